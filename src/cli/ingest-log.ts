import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { CSV_FIELD_KEYS, CSV_FIELDS, type CsvField, csvLayout } from '../modules/monitoring/intake/parsers.ts';
import type { LogProgress } from '../modules/monitoring/intake/read-log.ts';
import { createUpload, csvHeader, runUpload, type UploadRow } from '../modules/monitoring/intake/uploads.ts';
import { type CsvColumns, LOG_FORMATS, type LogFormat, monitoringSources } from '../modules/monitoring/schema.ts';
import { plural } from '../ui/format.ts';
import { CliError, cliContext, type Output } from './context.ts';

export type IngestLogOptions = {
  trust: string;
  source: string;
  format: string;
  columns?: string;
  file: string;
  /** Read the file even when the same file was read into the source before. */
  again?: boolean;
};

/** Where the progress goes: standard error, redrawn in place on a terminal, a line every few seconds otherwise. */
export type ProgressOutput = { isTTY: boolean; write: (text: string) => void; columns?: number; lineEveryMs?: number };
export const stderrProgress: ProgressOutput = {
  isTTY: !!process.stderr.isTTY,
  write: (text) => process.stderr.write(text),
  columns: process.stderr.columns,
};

/** Without a terminal, a progress line this often. */
const LINE_EVERY_MS = 5000;
/** Malformed lines printed in the summary (all are counted; the first 100 are kept on the upload). */
const MALFORMED_SHOWN = 10;

const FORMAT_HELP = Object.entries(LOG_FORMATS)
  .map(([code, name]) => `  ${code.padEnd(13)} ${name}`)
  .join('\n');

const quoteArg = (value: string) => (/^[\w@.,=/-]+$/.test(value) ? value : `"${value.replace(/(["\\$`])/g, '\\$1')}"`);

/** "occurredAt=Event Time,username=User Name": field → column name. */
function parseColumns(text: string): CsvColumns {
  const columns: CsvColumns = {};
  for (const part of text.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const field = (eq < 0 ? part : part.slice(0, eq)).trim();
    const name = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!CSV_FIELD_KEYS.includes(field as CsvField))
      throw new CliError(`--columns: there is no field called "${field}". The fields are: ${CSV_FIELD_KEYS.join(', ')} (occurredAt and username are needed).`);
    if (!name) throw new CliError(`--columns: give the column for ${field} as ${field}=<the column's name in the header row>.`);
    columns[field as CsvField] = name;
  }
  return columns;
}

/** A --columns value to show as an example: the header's likely time and username columns, and the URL if there is one. */
function exampleColumns(header: string[]): string {
  const find = (pattern: RegExp) => header.find((h) => pattern.test(h));
  const time = find(/time|date|when/i) ?? header[0] ?? 'Time';
  const user = find(/user|email|login|account|upn/i) ?? header.find((h) => h !== time) ?? 'User';
  const url = find(/url|uri|address|site|domain/i);
  const category = find(/categor/i);
  const action = find(/action|result|blocked|allowed|disposition/i);
  const parts = [`occurredAt=${time}`, `username=${user}`];
  if (url) parts.push(`url=${url}`);
  if (category) parts.push(`category=${category}`);
  if (action) parts.push(`action=${action}`);
  return parts.join(',');
}

const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000).toLocaleString('en-GB')} s`);

/**
 * `countersign ingest-log`: reads a log file into a monitoring source, as the web upload does
 * (the same upload record, reader and results), streaming the file from where it is. Progress
 * goes to standard error; the summary to standard output. A file that cannot be read fails with
 * exit code 1 and says why.
 */
export async function ingestLogCommand(
  database: Database,
  config: Config,
  options: IngestLogOptions,
  out: Output,
  progressOut: ProgressOutput = stderrProgress,
): Promise<UploadRow> {
  const ctx = await cliContext(database, config, options.trust);
  const db = database.db;
  if (!Object.hasOwn(LOG_FORMATS, options.format))
    throw new CliError(`There is no log format called "${options.format}". Use --format with one of:\n${FORMAT_HELP}`);
  const format = options.format as LogFormat;

  const sources = await db
    .select({ id: monitoringSources.id, name: monitoringSources.name, archivedAt: monitoringSources.archivedAt })
    .from(monitoringSources)
    .where(eq(monitoringSources.trustId, ctx.trust.id))
    .orderBy(sql`lower(${monitoringSources.name})`);
  const source = sources.find((s) => s.name.toLowerCase() === options.source.trim().toLowerCase());
  const active = sources.filter((s) => !s.archivedAt);
  if (!source || source.archivedAt) {
    const which = source
      ? `The source "${source.name}" has been archived, so nothing more can be read into it.`
      : `${ctx.trust.name} has no source called "${options.source}".`;
    throw new CliError(
      active.length
        ? `${which} Its sources are: ${active.map((s) => `"${s.name}"`).join(', ')}.`
        : `${which} It has no monitoring sources yet: a trust administrator adds them at ${config.baseUrl}/monitoring/sources.`,
    );
  }

  let size: number;
  try {
    const info = await stat(options.file);
    if (info.isDirectory()) throw new CliError(`${options.file} is a folder, not a log file.`);
    size = info.size;
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`Cannot read ${options.file}: ${code === 'ENOENT' ? 'there is no such file' : (error as Error).message}`);
  }
  if (size === 0) throw new CliError(`${options.file} is empty: there is nothing to read.`);

  let columns: CsvColumns | undefined;
  if (format === 'csv') {
    let header: string[];
    try {
      header = await csvHeader(options.file);
    } catch (error) {
      if (error instanceof ValidationError) throw new CliError(`${options.file}: ${Object.values(error.fieldErrors).join('. ')}.`);
      throw error;
    }
    const example = `countersign ingest-log --trust ${quoteArg(options.trust)} --source ${quoteArg(source.name)} --format csv --columns ${quoteArg(exampleColumns(header))} ${quoteArg(options.file)}`;
    const listing = `The header row of ${path.basename(options.file)} has these columns:\n  ${header.join(', ')}\nThe fields are: ${CSV_FIELD_KEYS.map((f) => `${f} (${CSV_FIELDS[f].toLowerCase()})`).join(', ')}; occurredAt and username are needed.\nFor example:\n  ${example}`;
    if (!options.columns) throw new CliError(`A CSV log needs --columns to say which column holds what.\n${listing}`);
    columns = parseColumns(options.columns);
    const found = csvLayout(header, columns);
    if ('errors' in found) throw new CliError(`--columns: ${Object.values(found.errors).join('. ')}.\n${listing}`);
  } else if (options.columns) throw new CliError('--columns is only for CSV logs (--format csv): the other formats have fixed columns.');

  // The file's fingerprint first (one quick pass), so a file already read into the source is not counted twice.
  const sha256 = await fileSha256(options.file);
  let upload: UploadRow;
  try {
    upload = await createUpload(ctx, {
      sourceId: source.id,
      format,
      fileName: path.basename(options.file),
      fileBytes: size,
      filePath: null,
      via: 'cli',
      columns,
      sha256,
      again: options.again === true,
    });
  } catch (error) {
    if (error instanceof ValidationError && error.fieldErrors.file?.startsWith('This file was already'))
      throw new CliError(`${error.fieldErrors.file}. To read it again anyway, add --again.`);
    throw error;
  }
  const started = Date.now();
  const draw = progressDrawer(progressOut, size, started);
  let row: UploadRow;
  try {
    row = await runUpload(db, ctx.trust.id, upload.id, {
      baseUrl: config.baseUrl,
      input: createReadStream(options.file, { highWaterMark: 1 << 20 }),
      onProgress: draw.update,
    });
  } finally {
    draw.done();
  }
  const tookMs = Date.now() - started;
  if (row.status !== 'done') throw new CliError(`Reading ${path.basename(options.file)} failed: ${row.error ?? 'it stopped before the end.'}`);
  printSummary(row, source.name, ctx.trust.name, tookMs, config.baseUrl, out);
  return row;
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function progressDrawer(output: ProgressOutput, size: number, started: number) {
  let lastLine = started;
  let drawn = false;
  const update = (p: LogProgress) => {
    const now = Date.now();
    const percent = size > 0 ? Math.min(100, Math.floor((p.bytesRead / size) * 100)) : 100;
    const rate = now > started ? Math.round((p.linesRead / (now - started)) * 1000) : 0;
    const counts = `${p.linesRead.toLocaleString('en-GB')} lines, ${rate.toLocaleString('en-GB')} lines/s`;
    if (output.isTTY) {
      const width = Math.max(10, Math.min(40, (output.columns ?? 80) - 50));
      const filled = Math.round((percent / 100) * width);
      output.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${counts}\u001b[K`);
      drawn = true;
    } else if (now - lastLine >= (output.lineEveryMs ?? LINE_EVERY_MS)) {
      lastLine = now;
      output.write(`Read ${percent}% (${counts})\n`);
    }
  };
  return {
    update,
    done: () => {
      if (drawn) output.write('\r\u001b[K');
    },
  };
}

function printSummary(row: UploadRow, sourceName: string, trustName: string, tookMs: number, baseUrl: string, out: Output) {
  const lines = [`Read ${row.fileName} into the source "${sourceName}" (${trustName}): ${plural(row.linesRead, 'line')} in ${seconds(tookMs)}.`];
  lines.push(`  Events accepted:           ${row.eventsAccepted.toLocaleString('en-GB')}`);
  lines.push(`  Malformed lines:           ${row.malformedCount.toLocaleString('en-GB')}${row.malformedCount ? ' (the rest of the file was still read)' : ''}`);
  for (const m of row.malformed.slice(0, MALFORMED_SHOWN)) lines.push(`    line ${m.line}: ${m.reason}`);
  if (row.malformedCount > MALFORMED_SHOWN)
    lines.push(`    … and ${(row.malformedCount - MALFORMED_SHOWN).toLocaleString('en-GB')} more (the first ${row.malformed.length} are on the upload’s page)`);
  lines.push(
    `  Dated in the future:       ${row.futureCount.toLocaleString('en-GB')}${row.futureCount ? ' (refused: check the clock and time zone of the system that wrote the log)' : ''}`,
  );
  lines.push(
    `  New unmatched usernames:   ${row.unmatchedUsernames.toLocaleString('en-GB')}${row.unmatchedUsernames ? ` (match them to people at ${baseUrl}/monitoring/sources/${row.sourceId}/usernames)` : ''}`,
  );
  lines.push(`  Alerts raised:             ${row.alertsRaised.toLocaleString('en-GB')}`);
  lines.push(`  Alerts extended:           ${row.alertsExtended.toLocaleString('en-GB')}`);
  lines.push(`The upload’s page: ${baseUrl}/monitoring/uploads/${row.id}`);
  out(`${lines.join('\n')}\n`);
}

/** The help text of --columns. */
export const COLUMNS_HELP = `for CSV logs: which column holds each field, like "occurredAt=Time,username=User,url=URL" (fields: ${CSV_FIELD_KEYS.join(', ')})`;
