import { and, desc, eq } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type Config, loadConfig } from '../src/config.ts';
import type { Database } from '../src/db/client.ts';
import { outbox } from '../src/modules/notifications/schema.ts';
import { buildApp } from '../src/web/app.tsx';
import { freshDatabase } from './db.ts';

export type TestApp = { app: FastifyInstance; database: Database; config: Config; close(): Promise<void> };

/** The real app on a fresh database, for fastify.inject tests. */
export async function createTestApp(env: Record<string, string> = {}, extend?: (app: FastifyInstance) => void): Promise<TestApp> {
  const database = await freshDatabase();
  const config = loadConfig({ NODE_ENV: 'test', DEMO: '1', SEED_DEMO: '0', BASE_URL: 'http://localhost:3000', ...env });
  const app = await buildApp({ config, database, logger: false });
  extend?.(app);
  await app.ready();
  return {
    app,
    database,
    config,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

type Form = Record<string, string | string[]>;
let agents = 0;

/**
 * A browser stand-in for inject(): keeps cookies, and adds the CSRF token of the last page it saw
 * to every form it posts, as a real form would.
 */
export type UploadFile = { field: string; name: string; content: Buffer | string; type?: string };

export class Agent {
  cookies = new Map<string, string>();
  csrf = '';
  ip: string;

  constructor(
    readonly app: FastifyInstance,
    ip?: string,
  ) {
    // Each agent comes from its own address, so per-IP rate limits only bite where a test means them to.
    agents += 1;
    this.ip = ip ?? `198.51.${Math.floor(agents / 250) % 250}.${(agents % 250) + 1}`;
  }

  private remember(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; expires?: Date; maxAge?: number }[]) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now()) || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.csrf = token;
    return res;
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}) {
    return this.remember(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader(), ...headers }, remoteAddress: this.ip }));
  }

  /** Posts a form as application/x-www-form-urlencoded, with the CSRF token unless one is given. */
  async post(url: string, form: Form = {}, options: { csrf?: string | false } = {}) {
    if (!this.csrf && options.csrf === undefined) await this.get('/sign-in');
    const params = new URLSearchParams();
    const token = options.csrf === undefined ? this.csrf : options.csrf;
    if (token !== false) params.append('_csrf', token);
    for (const [k, v] of Object.entries(form)) for (const value of Array.isArray(v) ? v : [v]) params.append(k, value);
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        payload: params.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader() },
        remoteAddress: this.ip,
      }),
    );
  }

  /** Posts a multipart form with one file, or several. */
  async upload(url: string, file: UploadFile | UploadFile[], form: Form = {}) {
    if (!this.csrf) await this.get('/sign-in');
    const boundary = `----cs${Date.now()}`;
    const parts: Buffer[] = [];
    const field = (name: string, value: string) =>
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    field('_csrf', this.csrf);
    for (const [k, v] of Object.entries(form)) for (const value of Array.isArray(v) ? v : [v]) field(k, value);
    for (const f of Array.isArray(file) ? file : [file])
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\nContent-Type: ${f.type ?? 'text/csv'}\r\n\r\n`,
        ),
        Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content),
        Buffer.from('\r\n'),
      );
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        payload: Buffer.concat(parts),
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: this.cookieHeader() },
        remoteAddress: this.ip,
      }),
    );
  }

  /** Signs in the way a person does: asks for a link, takes it from the outbox, uses it. */
  async signIn(email: string) {
    await this.get('/sign-in');
    const asked = await this.post('/sign-in', { email });
    if (asked.statusCode !== 200) throw new Error(`sign-in request failed: ${asked.statusCode}`);
    const token = await latestMagicLinkToken(this.app, email);
    if (!token) throw new Error(`no sign-in link was queued for ${email}`);
    await this.get(`/sign-in/link?token=${encodeURIComponent(token)}`);
    const res = await this.post('/sign-in/link', { token });
    if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body.slice(0, 200)}`);
    return this;
  }
}

/** The token of the newest sign-in email queued for an address. */
export async function latestMagicLinkToken(app: FastifyInstance, email: string): Promise<string | undefined> {
  const [message] = await app.db
    .select({ text: outbox.textBody })
    .from(outbox)
    .where(and(eq(outbox.toAddress, email.toLowerCase()), eq(outbox.template, 'magic-link')))
    .orderBy(desc(outbox.createdAt))
    .limit(1);
  const url = message && /https?:\/\/\S+/.exec(message.text)?.[0];
  return url ? (new URL(url).searchParams.get('token') ?? undefined) : undefined;
}

export async function signedIn(app: FastifyInstance, email: string, ip?: string) {
  return new Agent(app, ip).signIn(email);
}

/**
 * The usual world of an HTTP test: a fresh app, two trusts with their casts ("alpha" and "beta"),
 * and the alpha trust's administrator, head teacher and teacher, and the beta administrator, signed in.
 */
export async function twoTrusts() {
  const { makeTrustWithCast } = await import('./factories.ts');
  const t = await createTestApp();
  const cast = await makeTrustWithCast(t.app.db, 'alpha');
  const other = await makeTrustWithCast(t.app.db, 'beta');
  return {
    t,
    cast,
    other,
    admin: await new Agent(t.app).signIn(cast.admin.email),
    head: await new Agent(t.app).signIn(cast.headA.email),
    teacher: await new Agent(t.app).signIn(cast.teacherA.email),
    otherAdmin: await new Agent(t.app).signIn(other.admin.email),
  };
}
export type TwoTrusts = Awaited<ReturnType<typeof twoTrusts>>;
