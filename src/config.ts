import path from 'node:path';
import { z } from 'zod';

const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no'], { error: 'use 1 or 0' }).transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    BASE_URL: z.url({ message: 'BASE_URL must be a full URL such as https://countersign.example.org' }).optional(),
    DATA_DIR: z.string().default('./data'),
    DATABASE_URL: z.string().optional(),
    SMTP_URL: z.string().optional(),
    MAIL_FROM: z.string().default('Countersign <no-reply@countersign.localhost>'),
    SESSION_SECRET: z.string().min(32, 'SESSION_SECRET must be at least 32 characters').optional(),
    SESSION_IDLE_MINUTES: z.coerce
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .default(120),
    SESSION_MAX_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(12),
    DEMO: bool.optional(),
    SEED_DEMO: bool.optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRUST_PROXY: bool.optional(),
    OUTBOX_POLL_SECONDS: z.coerce.number().min(0.1).max(3600).default(5),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production') {
      if (!env.SESSION_SECRET) ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'SESSION_SECRET is required when NODE_ENV=production' });
      if (env.DEMO) ctx.addIssue({ code: 'custom', path: ['DEMO'], message: 'DEMO cannot be switched on when NODE_ENV=production' });
      if (!env.BASE_URL)
        ctx.addIssue({ code: 'custom', path: ['BASE_URL'], message: 'BASE_URL is required when NODE_ENV=production (links in emails use it)' });
    }
  });

export type Config = {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  baseUrl: string;
  /** Where the embedded database lives when DATABASE_URL is not set. */
  dataDir: string;
  databaseUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  sessionSecret: string;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** Demo conveniences: persona sign-in page, readable outbox. Never in production. */
  demo: boolean;
  /** Seed the demo trust when the database has no trust yet. */
  seedDemo: boolean;
  logLevel: string;
  outboxPollSeconds: number;
  secureCookies: boolean;
  /** Behind a load balancer: take the client IP from X-Forwarded-For. */
  trustProxy: boolean;
};

export class ConfigError extends Error {}

/** Parses the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A blank variable (as in a copied .env.example) counts as not set, so its default applies.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Countersign cannot start, the configuration is wrong:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const port = e.PORT;
  const baseUrl = (e.BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const production = e.NODE_ENV === 'production';
  const demo = e.DEMO ?? !production;
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port,
    baseUrl,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL || undefined,
    smtpUrl: e.SMTP_URL || undefined,
    mailFrom: e.MAIL_FROM,
    // Outside production a fixed development secret keeps sessions valid across restarts.
    sessionSecret: e.SESSION_SECRET ?? 'countersign-development-secret-not-for-production-use',
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    sessionMaxHours: e.SESSION_MAX_HOURS,
    demo,
    seedDemo: e.SEED_DEMO ?? demo,
    logLevel: e.LOG_LEVEL,
    outboxPollSeconds: e.OUTBOX_POLL_SECONDS,
    secureCookies: baseUrl.startsWith('https://'),
    trustProxy: e.TRUST_PROXY ?? false,
  };
}
