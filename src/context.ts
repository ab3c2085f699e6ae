import type { Db } from './db/client.ts';
import type { Actor } from './modules/auth/actor.ts';

/** What every service function receives: the database, who is acting, and where from. */
export type Ctx = {
  db: Db;
  actor: Actor;
  /** The public address of this installation, for links in emails. */
  baseUrl: string;
  ip?: string | null;
  requestId?: string | null;
  /** The browser's User-Agent header, kept with evidence such as a signature. */
  userAgent?: string | null;
};
