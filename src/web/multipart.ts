import type { MultipartFile, MultipartValue } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';

type MultipartBody = Record<string, MultipartFile | MultipartValue | (MultipartFile | MultipartValue)[] | undefined>;
export type FormBody = Record<string, string | string[] | undefined>;
/** A file from a form: its name, its bytes, and whether it went over the upload limit (then the bytes are cut short). */
export type FormFile = { fileName: string; bytes: Buffer; tooLarge: boolean };

/**
 * A multipart form (attachFieldsToBody) as a plain form plus its files by field name. Fields that
 * arrive several times become arrays; a file part with no name (nothing chosen) is skipped.
 */
export async function readMultipartForm(request: FastifyRequest): Promise<{ values: FormBody; files: Record<string, FormFile[]> }> {
  const body = (request.body ?? {}) as MultipartBody;
  const values: FormBody = {};
  const files: Record<string, FormFile[]> = {};
  for (const [key, raw] of Object.entries(body)) {
    for (const part of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      if (part.type === 'file') {
        if (!part.filename) {
          await part.toBuffer();
          continue;
        }
        const bytes = await part.toBuffer();
        const list = files[key] ?? [];
        list.push({ fileName: part.filename, bytes, tooLarge: part.file.truncated });
        files[key] = list;
      } else if (key !== '_csrf') {
        const value = String(part.value ?? '');
        const had = values[key];
        values[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
      }
    }
  }
  return { values, files };
}
