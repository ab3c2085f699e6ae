import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { type Database, openDatabase } from '../src/db/client.ts';

/**
 * A fresh, migrated database for one test file. The test runner (scripts/test.ts) prepares a
 * migrated template once: a PGlite data-directory dump (TEST_PGLITE_TEMPLATE) or, on real
 * PostgreSQL (TEST_DATABASE_URL), a template database that each file copies with CREATE DATABASE.
 */
export async function freshDatabase(): Promise<Database> {
  const pgUrl = process.env.TEST_DATABASE_URL;
  if (pgUrl) {
    const name = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    try {
      await admin.query(`create database ${name} template ${process.env.TEST_TEMPLATE_DB ?? 'countersign_template'}`);
    } finally {
      await admin.end();
    }
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    const database = await openDatabase({ databaseUrl: url.toString() });
    const close = database.close;
    return {
      ...database,
      close: async () => {
        await close();
        const dropper = new pg.Client({ connectionString: pgUrl });
        await dropper.connect();
        // pool.end() resolves before its connections have finished closing. Forcing the drop while
        // one is still closing kills it with an error nobody listens for, which fails the test file.
        for (let wait = 0; wait < 100; wait++) {
          const open = await dropper.query('select 1 from pg_stat_activity where datname = $1', [name]);
          if (open.rowCount === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
      },
    };
  }
  const template = process.env.TEST_PGLITE_TEMPLATE;
  if (template) return openDatabase({ loadDataDir: new Blob([readFileSync(template)]) });
  // Run directly (without scripts/test.ts): migrate from scratch, slower but the same result.
  const database = await openDatabase({ memory: true });
  await database.migrate();
  return database;
}
