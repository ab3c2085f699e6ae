import { z } from 'zod';

/**
 * Cursor paging for every /api/v1 list: `limit` (1–200, default 50) and an opaque `cursor`, the
 * base64url JSON of the last row's sort key and id (keyset paging, so rows added or removed while a
 * client pages never make a page repeat or skip anyone).
 */
export const CURSOR_ERROR = 'cursor is not valid: send the nextCursor of the previous page unchanged';
export const LIMIT_ERROR = 'limit must be a whole number from 1 to 200';

export const limitParam = (noun: string) =>
  z.coerce
    .number({ error: LIMIT_ERROR })
    .int({ error: LIMIT_ERROR })
    .min(1, { error: LIMIT_ERROR })
    .max(200, { error: LIMIT_ERROR })
    .default(50)
    .describe(`How many ${noun} to return, from 1 to 200`);

/** A cursor over (key, id): `param` reads it from the query as `{ key, id }`, `encode` writes the next one. */
export function keysetCursor(key: z.ZodString = z.string()) {
  const content = z.tuple([key, z.uuid()]);
  return {
    encode: (after: { key: string; id: string }) => Buffer.from(JSON.stringify([after.key, after.id])).toString('base64url'),
    param: z
      .string({ error: CURSOR_ERROR })
      .transform((value, ctx) => {
        let decoded: unknown;
        try {
          decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
        } catch {
          decoded = undefined;
        }
        const parsed = content.safeParse(decoded);
        if (parsed.success) return { key: parsed.data[0], id: parsed.data[1] };
        ctx.addIssue({ code: 'custom', message: CURSOR_ERROR });
        return z.NEVER;
      })
      .optional()
      .describe('Where to start: the nextCursor of the previous page. Leave out for the first page'),
  };
}
