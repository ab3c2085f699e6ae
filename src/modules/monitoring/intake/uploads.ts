import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { recordEvent } from '../../../audit/audit.ts';
import type { Ctx } from '../../../context.ts';
import { type Db, transaction } from '../../../db/client.ts';
import { type FieldErrors, NotFoundError, ValidationError } from '../../../errors.ts';
import { formatDateTime } from '../../../ui/format.ts';
import { isUuid } from '../../../validation.ts';
import { authorize } from '../../auth/authorize.ts';
import { type CsvColumns, LOG_FORMATS, type LogFormat, monitoringSources, monitoringUploads } from '../schema.ts';
import { CSV_FIELD_KEYS, CsvReader, csvLayout } from './parsers.ts';
import { ingestLog, type LogProgress, LogReadError } from './read-log.ts';

/*
 * Log files read into a source (from the web or the command line): the monitoring_uploads row is
 * created (status `columns` for a CSV whose columns are still to be chosen, else `queued`), then
 * runUpload reads the file (queued → running → done or failed), writing its progress and a
 * heartbeat at most once a second, and deletes the server's copy of the file when it is done.
 * failStaleUploads (the background worker, hourly) fails uploads whose reader stopped.
 */

export type UploadRow = typeof monitoringUploads.$inferSelect;

/** A running upload with no heartbeat for this long was stopped (the server restarted). */
export const STALE_AFTER_MS = 10 * 60_000;
/** Uploads still waiting (for their columns, or to start) after this long are given up, and their files deleted. */
export const ABANDONED_AFTER_MS = 24 * 3_600_000;
const PROGRESS_EVERY_MS = 1000;
const MAX_FILE_NAME = 255;
const MAX_COLUMN_NAME = 200;
/** The header is looked for in this much of the start of the file. */
const HEADER_BYTES = 64 * 1024;

const notFound = () => new NotFoundError();

async function activeSource(db: Db, trustId: string, sourceId: string) {
  if (!isUuid(sourceId)) throw notFound();
  const [source] = await db
    .select()
    .from(monitoringSources)
    .where(and(eq(monitoringSources.trustId, trustId), eq(monitoringSources.id, sourceId), isNull(monitoringSources.archivedAt)));
  if (!source) throw notFound();
  return source;
}

/** The chosen columns, trimmed, without the ones left empty; unknown fields and over-long names are errors. */
function cleanColumns(columns: CsvColumns): { columns: CsvColumns; errors: FieldErrors } {
  const clean: CsvColumns = {};
  const errors: FieldErrors = {};
  for (const [field, value] of Object.entries(columns ?? {})) {
    if (!CSV_FIELD_KEYS.includes(field as keyof CsvColumns)) {
      errors[field] = `There is no field called ‘${field}’: choose from ${CSV_FIELD_KEYS.join(', ')}`;
      continue;
    }
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') {
      errors[field] = 'Choose a column from the header row';
      continue;
    }
    const name = value.trim();
    if (!name) continue;
    if (name.length > MAX_COLUMN_NAME) errors[field] = `A column name must be ${MAX_COLUMN_NAME} characters or fewer`;
    else clean[field as keyof CsvColumns] = name;
  }
  return { columns: clean, errors };
}

/** The columns checked against the file's header: the time and username are needed, every name must be in the header. */
async function checkColumns(columns: CsvColumns, header: string[] | null): Promise<CsvColumns> {
  const cleaned = cleanColumns(columns);
  const errors: FieldErrors = { ...cleaned.errors };
  if (!cleaned.columns.occurredAt) errors.occurredAt = 'Choose the column that holds the time';
  if (!cleaned.columns.username) errors.username = 'Choose the column that holds the username';
  if (header && Object.keys(errors).length === 0) {
    const found = csvLayout(header, cleaned.columns);
    if ('errors' in found) Object.assign(errors, found.errors);
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  return cleaned.columns;
}

/** An upload of the same bytes into the source that was read, or is waiting or being read (a failed one does not count). */
async function sameFileRead(db: Db, trustId: string, sourceId: string, sha256: string) {
  const [row] = await db
    .select({ fileName: monitoringUploads.fileName, createdAt: monitoringUploads.createdAt, status: monitoringUploads.status })
    .from(monitoringUploads)
    .where(
      and(
        eq(monitoringUploads.trustId, trustId),
        eq(monitoringUploads.sourceId, sourceId),
        eq(monitoringUploads.sha256, sha256),
        inArray(monitoringUploads.status, ['columns', 'queued', 'running', 'done']),
      ),
    )
    .orderBy(desc(monitoringUploads.createdAt))
    .limit(1);
  return row ?? null;
}

/**
 * Records a log file to be read into a source. A CSV without its columns waits (status
 * `columns`) for setUploadColumns; anything else is `queued` for runUpload. The file itself is at
 * `filePath` on this server (a web upload; deleted once read) or is streamed by the caller (the
 * command line: filePath null, the file stays where it is).
 */
export async function createUpload(
  ctx: Ctx,
  input: {
    sourceId: string;
    format: LogFormat;
    fileName: string;
    fileBytes: number;
    filePath: string | null;
    via: 'web' | 'cli';
    columns?: CsvColumns;
    /** The file's SHA-256, when the caller knows it before reading: the same file already read (or being read) into the source is refused. */
    sha256?: string;
    /** Read it even so (the command line's --again). */
    again?: boolean;
  },
): Promise<UploadRow> {
  authorize(ctx.actor, 'monitoring.upload', { trustId: ctx.actor.trustId });
  const trustId = ctx.actor.trustId;
  const source = await activeSource(ctx.db, trustId, input.sourceId);
  const errors: FieldErrors = {};
  if (!Object.hasOwn(LOG_FORMATS, input.format)) errors.format = 'Choose the format of the log';
  // Control characters (a line break in a name would forge a line in a log) are dropped.
  const fileName = [...(input.fileName ?? '')]
    .filter((ch) => ch >= ' ' && ch !== '\u007f')
    .join('')
    .trim()
    .slice(0, MAX_FILE_NAME);
  if (!fileName) errors.file = 'Select a log file';
  else if (!Number.isSafeInteger(input.fileBytes) || input.fileBytes < 0) errors.file = 'The file’s size is not known';
  else if (input.fileBytes === 0) errors.file = 'The selected file is empty';
  if (!errors.file && input.sha256 && !input.again) {
    const earlier = await sameFileRead(ctx.db, trustId, source.id, input.sha256);
    if (earlier)
      errors.file = `This file was already ${earlier.status === 'done' ? 'read' : 'uploaded'} into ${source.name} on ${formatDateTime(earlier.createdAt)} (${earlier.fileName}). Reading it again would count its events twice`;
  }
  if (Object.keys(errors).length > 0) throw new ValidationError(errors);
  let columns: CsvColumns | null = null;
  if (input.format === 'csv' && input.columns) columns = await checkColumns(input.columns, input.filePath ? await csvHeader(input.filePath) : null);
  const status = input.format === 'csv' && !columns ? 'columns' : 'queued';
  return transaction(ctx.db, async (tx) => {
    const [row] = await tx
      .insert(monitoringUploads)
      .values({
        trustId,
        sourceId: source.id,
        format: input.format,
        columns,
        fileName,
        fileBytes: input.fileBytes,
        filePath: input.filePath,
        sha256: input.sha256 ?? null,
        via: input.via,
        status,
        uploadedBy: ctx.actor.type === 'person' ? ctx.actor.personId : null,
      })
      .returning();
    if (!row) throw new Error('insert returned nothing');
    await recordEvent(tx, ctx, {
      action: 'monitoring_upload.started',
      resourceType: 'monitoring_upload',
      resourceId: row.id,
      summary: `Log file ‘${fileName}’ (${LOG_FORMATS[input.format]}) ${input.via === 'cli' ? 'read from the command line' : 'uploaded'} into the source ‘${source.name}’`,
      after: { sourceId: source.id, format: input.format, fileName, fileBytes: input.fileBytes, via: input.via, columns },
    });
    return row;
  });
}

/** Chooses the columns of a CSV upload waiting for them (checked against the file's header); it is then queued. */
export async function setUploadColumns(ctx: Ctx, uploadId: string, columns: CsvColumns): Promise<UploadRow> {
  authorize(ctx.actor, 'monitoring.upload', { trustId: ctx.actor.trustId });
  const trustId = ctx.actor.trustId;
  if (!isUuid(uploadId)) throw notFound();
  const [upload] = await ctx.db
    .select()
    .from(monitoringUploads)
    .where(and(eq(monitoringUploads.trustId, trustId), eq(monitoringUploads.id, uploadId)));
  if (!upload) throw notFound();
  if (upload.status !== 'columns') throw new ValidationError({ form: 'The columns of this file have already been chosen.' });
  if (!upload.filePath) throw new ValidationError({ form: 'The file is no longer on the server. Upload it again.' });
  const chosen = await checkColumns(columns, await csvHeader(upload.filePath));
  const [row] = await ctx.db
    .update(monitoringUploads)
    .set({ columns: chosen, status: 'queued' })
    .where(and(eq(monitoringUploads.trustId, trustId), eq(monitoringUploads.id, uploadId), eq(monitoringUploads.status, 'columns')))
    .returning();
  if (!row) throw new ValidationError({ form: 'The columns of this file have already been chosen.' });
  return row;
}

/**
 * The column names in a CSV file's header row (trimmed), read from the start of the file only.
 * A file that is empty, not UTF-8 text, or has no header in its first 64 KB is a ValidationError on `file`.
 */
export async function csvHeader(filePath: string): Promise<string[]> {
  const handle = await open(filePath, 'r');
  let bytes: Buffer;
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  if (bytes.length === 0) throw new ValidationError({ file: 'The selected file is empty' });
  // Whole lines only: the last one may be cut part-way through a character.
  const lastBreak = bytes.lastIndexOf(10);
  const whole = bytes.length < HEADER_BYTES ? bytes : bytes.subarray(0, lastBreak + 1);
  if (whole.length === 0) throw new ValidationError({ file: 'The first line of the file is longer than 64 KB, so it is not a CSV header row' });
  if (whole.indexOf(0) >= 0 || !isUtf8(whole))
    throw new ValidationError({ file: 'The file is not a CSV file saved as UTF-8 text. In Excel choose ‘CSV UTF-8 (Comma delimited)’ when saving.' });
  const reader = new CsvReader();
  const lines = whole.toString('utf8').split('\n');
  for (const [i, text] of lines.entries()) {
    reader.push(text.endsWith('\r') ? text.slice(0, -1) : text, i + 1);
    const first = reader.items[0];
    if (first) {
      if ('reason' in first) break;
      const names = first.cells.map((c) => c.trim());
      if (names.every((n) => n === '')) break;
      return names;
    }
  }
  throw new ValidationError({ file: 'The file has no header row: its first line should name the columns' });
}

const STOPPED = 'The server stopped while reading this file. Upload it again to read it all.';
const NEVER_STARTED = 'The server stopped before it could read this file. Upload it again.';
const NO_COLUMNS = 'The columns were not chosen within a day, so the file was deleted. Upload it again.';
const GONE = 'The file is no longer on the server. Upload it again.';

async function deleteFile(filePath: string | null) {
  if (filePath) await rm(filePath, { force: true });
}

/**
 * Reads a queued upload: running while it reads (progress and a heartbeat written at most once a
 * second), then done with its results, or failed with a message saying why. The server's copy of
 * the file is deleted either way. `input` is the file's stream when the caller has it (the command
 * line); otherwise the file at the upload's filePath is read. Returns the finished row; a problem
 * with the file fails the upload (no throw); an unexpected error fails it and is thrown.
 */
export async function runUpload(
  db: Db,
  trustId: string,
  uploadId: string,
  opts: { baseUrl: string; input?: Readable; now?: Date; onProgress?: (p: LogProgress) => void },
): Promise<UploadRow> {
  const where = and(eq(monitoringUploads.trustId, trustId), eq(monitoringUploads.id, uploadId));
  const started = new Date();
  const [upload] = await db
    .update(monitoringUploads)
    .set({ status: 'running', startedAt: started, heartbeatAt: started })
    .where(and(where, eq(monitoringUploads.status, 'queued')))
    .returning();
  if (!upload) {
    const [existing] = await db.select({ status: monitoringUploads.status }).from(monitoringUploads).where(where);
    if (!existing) throw notFound();
    throw new Error(`The upload ${uploadId} is ${existing.status}, not waiting to be read`);
  }
  const finish = async (values: Partial<typeof monitoringUploads.$inferInsert>) => {
    await deleteFile(upload.filePath);
    const at = new Date();
    const [row] = await db
      .update(monitoringUploads)
      .set({ ...values, filePath: null, finishedAt: at, heartbeatAt: at })
      .where(where)
      .returning();
    if (!row) throw notFound();
    return row;
  };
  const source = opts.input ?? (upload.filePath ? createReadStream(upload.filePath, { highWaterMark: 1 << 20 }) : null);
  if (!source) return finish({ status: 'failed', error: GONE });

  const hash = createHash('sha256');
  const hashed = Readable.from(
    (async function* () {
      for await (const chunk of source) {
        hash.update(chunk as Buffer);
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
  let last: LogProgress = { bytesRead: 0, linesRead: 0, accepted: 0, malformedCount: 0 };
  let written = Date.now();
  const onProgress = (p: LogProgress) => {
    last = p;
    opts.onProgress?.(p);
    const at = Date.now();
    if (at - written < PROGRESS_EVERY_MS) return;
    written = at;
    return db
      .update(monitoringUploads)
      .set({ bytesRead: p.bytesRead, linesRead: p.linesRead, eventsAccepted: p.accepted, malformedCount: p.malformedCount, heartbeatAt: new Date(at) })
      .where(where)
      .then(() => undefined);
  };
  try {
    const result = await ingestLog(db, {
      trustId,
      sourceId: upload.sourceId,
      format: upload.format,
      columns: upload.columns ?? undefined,
      input: hashed,
      baseUrl: opts.baseUrl,
      now: opts.now,
      onProgress,
    });
    return await finish({
      status: 'done',
      error: null,
      sha256: hash.digest('hex'),
      bytesRead: result.bytesRead,
      linesRead: result.linesRead,
      eventsAccepted: result.accepted,
      malformedCount: result.malformedCount,
      malformed: result.malformed,
      futureCount: result.futureCount,
      unmatchedUsernames: result.unmatchedUsernames,
      alertsRaised: result.alertsRaised,
      alertsExtended: result.alertsExtended,
    });
  } catch (error) {
    if (!source.destroyed) source.destroy();
    const progress = { bytesRead: last.bytesRead, linesRead: last.linesRead, eventsAccepted: last.accepted, malformedCount: last.malformedCount };
    if (error instanceof LogReadError) return finish({ status: 'failed', error: error.message, ...progress });
    const message = `Reading stopped${last.linesRead ? ` after about line ${last.linesRead.toLocaleString('en-GB')}` : ''} because of a problem on the server. Try again later; if it happens again, tell whoever looks after Countersign.`;
    await finish({ status: 'failed', error: message, ...progress });
    throw error;
  }
}

/** Reads a queued upload after the response has gone: the page shows its progress. Failures are recorded on the upload and logged. */
export function startUploadInBackground(db: Db, trustId: string, uploadId: string, baseUrl: string, log: FastifyBaseLogger): void {
  runUpload(db, trustId, uploadId, { baseUrl }).then(
    (row) =>
      log.info({ uploadId, status: row.status, lines: row.linesRead, accepted: row.eventsAccepted, malformed: row.malformedCount }, 'monitoring log read'),
    (error: unknown) => log.error({ err: error, uploadId }, 'monitoring log upload failed'),
  );
}

/**
 * Fails uploads whose reader is gone: running with no heartbeat for 10 minutes (the server
 * stopped while reading), and, after a day, uploads still waiting to start or for their columns.
 * Their files are deleted. Returns how many were failed.
 */
export async function failStaleUploads(db: Db, now = new Date()): Promise<number> {
  const staleBefore = new Date(now.getTime() - STALE_AFTER_MS);
  const abandonedBefore = new Date(now.getTime() - ABANDONED_AFTER_MS);
  const candidates = await db
    .select({ trustId: monitoringUploads.trustId, id: monitoringUploads.id, status: monitoringUploads.status, filePath: monitoringUploads.filePath })
    .from(monitoringUploads)
    .where(
      or(
        and(
          eq(monitoringUploads.status, 'running'),
          lt(sql`coalesce(${monitoringUploads.heartbeatAt}, ${monitoringUploads.startedAt}, ${monitoringUploads.createdAt})`, staleBefore),
        ),
        and(inArray(monitoringUploads.status, ['queued', 'columns']), lt(monitoringUploads.createdAt, abandonedBefore)),
      ),
    );
  let failed = 0;
  for (const c of candidates) {
    // Only if it has not moved on meanwhile (a heartbeat, or another instance doing the same).
    const [row] = await db
      .update(monitoringUploads)
      .set({ status: 'failed', error: c.status === 'running' ? STOPPED : c.status === 'queued' ? NEVER_STARTED : NO_COLUMNS, filePath: null, finishedAt: now })
      .where(
        and(
          eq(monitoringUploads.trustId, c.trustId),
          eq(monitoringUploads.id, c.id),
          eq(monitoringUploads.status, c.status),
          c.status === 'running'
            ? lt(sql`coalesce(${monitoringUploads.heartbeatAt}, ${monitoringUploads.startedAt}, ${monitoringUploads.createdAt})`, staleBefore)
            : undefined,
        ),
      )
      .returning({ id: monitoringUploads.id });
    if (!row) continue;
    failed++;
    await deleteFile(c.filePath);
  }
  return failed;
}
