import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/*
 * Large uploads (monitoring logs, up to 1 GB) are streamed to a temporary file rather than held in
 * memory. A route asks for it with `config: { diskUpload: true }` and sets its own size limit with
 * `config.multipartOptions.limits.fileSize`; its handler finds the files in `request.diskUploads`
 * and sets `claimed` on the one it keeps (its path handed to whatever reads it later). Files nobody
 * claimed are deleted once the response is sent, or when the browser goes away.
 */

/** A file part written to disk. `truncated`: it went over the route's limit and was cut short. */
export type DiskUpload = {
  field: string;
  fileName: string;
  path: string;
  bytes: number;
  truncated: boolean;
  claimed: boolean /** Of the bytes written. */;
  sha256: string;
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** File parts of this route's multipart forms go to temporary files (request.diskUploads), not memory. */
    diskUpload?: boolean;
  }
  interface FastifyRequest {
    /** The files a diskUpload route received; set `claimed` on one to keep it after the response. */
    diskUploads: DiskUpload[] | null;
  }
}

/** Where uploads wait: read when asked (tests point TMPDIR elsewhere). */
export const diskUploadDir = () => join(tmpdir(), 'countersign-uploads');

/**
 * The multipart plugin's onFile: to a temporary file for diskUpload routes (signed-in people
 * only, checked before a byte is written), into memory for every other route.
 */
export async function receiveFilePart(request: FastifyRequest, part: MultipartFile): Promise<void> {
  if (!request.routeOptions.config?.diskUpload) {
    await part.toBuffer();
    return;
  }
  if (!request.actor) {
    part.file.resume();
    throw new AppError('Sign in to continue', 401);
  }
  // A browser sends an empty part with no file name when no file was chosen.
  if (!part.filename) {
    for await (const _ of part.file);
    return;
  }
  const dir = diskUploadDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const upload: DiskUpload = {
    field: part.fieldname,
    fileName: part.filename,
    path: join(dir, `${randomBytes(16).toString('hex')}.upload`),
    bytes: 0,
    truncated: false,
    claimed: false,
    sha256: '',
  };
  // Recorded before writing, so a failed or abandoned write is cleaned up like any other.
  request.diskUploads = [...(request.diskUploads ?? []), upload];
  // Hashed as it is written (a second listener on the same chunks), so a file read before can be recognised.
  const hash = createHash('sha256');
  part.file.on('data', (chunk: Buffer) => hash.update(chunk));
  await pipeline(part.file, createWriteStream(upload.path, { flags: 'wx', mode: 0o600 }));
  upload.sha256 = hash.digest('hex');
  upload.truncated = part.file.truncated;
  upload.bytes = (await stat(upload.path)).size;
}

/** Deletes the request's temporary files that no handler claimed. Safe to call more than once. */
export async function removeUnclaimedUploads(request: FastifyRequest): Promise<void> {
  const uploads = request.diskUploads;
  if (!uploads) return;
  const unclaimed = uploads.filter((f) => !f.claimed);
  request.diskUploads = uploads.filter((f) => f.claimed);
  await Promise.all(
    unclaimed.map((f) =>
      unlink(f.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') request.log.warn({ err: error, path: f.path }, 'could not delete an uploaded file');
      }),
    ),
  );
}

/** Cleans up after a diskUpload route: on the response, or when the browser goes away before it. */
export function watchDiskUploads(request: FastifyRequest, reply: FastifyReply): void {
  if (!request.routeOptions.config?.diskUpload) return;
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) void removeUnclaimedUploads(request);
  });
}
