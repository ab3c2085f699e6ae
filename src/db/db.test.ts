import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { freshDatabase } from '../../test/db.ts';
import { makeTrust } from '../../test/factories.ts';
import { recordEvent } from '../audit/audit.ts';
import { systemActor } from '../modules/auth/actor.ts';
import { type Database, rows, transaction } from './client.ts';

let database: Database;

/** Drizzle wraps the database's error; the reason PostgreSQL gave is in its cause. */
const rejectsBecause = (promise: Promise<unknown>, reason: RegExp) =>
  assert.rejects(promise, (error: Error & { cause?: Error }) => {
    assert.match(String(error.cause?.message ?? error.message), reason);
    return true;
  });
before(async () => {
  database = await freshDatabase();
});
after(() => database.close());

describe('database', () => {
  test('every table carries trust_id, except the trusts themselves and sign-in attempt counters', async () => {
    const tables = await rows<{ table_name: string; has: boolean }>(
      database.db,
      sql`select t.table_name, exists (select 1 from information_schema.columns c where c.table_schema = 'public' and c.table_name = t.table_name and c.column_name = 'trust_id') as has
          from information_schema.tables t where t.table_schema = 'public' and t.table_type = 'BASE TABLE'`,
    );
    const missing = tables
      .filter((t) => !t.has)
      .map((t) => t.table_name)
      .sort();
    assert.deepEqual(missing, ['sign_in_attempts', 'trusts']);
    assert.ok(tables.length >= 12);
  });

  test('the audit trail refuses UPDATE, DELETE and TRUNCATE', async () => {
    const trust = await makeTrust(database.db);
    await recordEvent(database.db, { actor: systemActor(trust.id) }, { action: 'school.created', resourceType: 'school', summary: 'x' });
    await rejectsBecause(database.db.execute(sql`update audit_events set summary = 'rewritten'`), /append-only: UPDATE/);
    await rejectsBecause(database.db.execute(sql`delete from audit_events`), /append-only: DELETE/);
    await rejectsBecause(database.db.execute(sql`truncate audit_events`), /append-only: TRUNCATE/);
  });

  test('transaction() keeps all or nothing', async () => {
    const trust = await makeTrust(database.db);
    await assert.rejects(
      transaction(database.db, async (tx) => {
        await tx.execute(sql`insert into schools (trust_id, slug, name) values (${trust.id}, 'gone', 'Gone')`);
        throw new Error('stop');
      }),
    );
    const [count] = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from schools where slug = 'gone'`);
    assert.equal(count?.n, 0);
  });

  test('a row cannot point at another trust’s row', async () => {
    const a = await makeTrust(database.db);
    const b = await makeTrust(database.db);
    const [school] = await rows<{ id: string }>(database.db, sql`insert into schools (trust_id, slug, name) values (${a.id}, 's', 'S') returning id`);
    const [person] = await rows<{ id: string }>(
      database.db,
      sql`insert into people (trust_id, email, full_name, kind) values (${b.id}, 'p@x.example', 'P', 'employee') returning id`,
    );
    await rejectsBecause(
      database.db.execute(sql`insert into person_schools (trust_id, person_id, school_id) values (${b.id}, ${person?.id}, ${school?.id})`),
      /foreign key/,
    );
  });

  test('two active API keys of a trust cannot share a name, whatever its case', async () => {
    const trust = await makeTrust(database.db);
    await database.db.execute(
      sql`insert into api_keys (trust_id, name, prefix, key_hash, scopes) values (${trust.id}, 'MIS sync', 'cs_a', 'h1', '{people:read}')`,
    );
    await rejectsBecause(
      database.db.execute(sql`insert into api_keys (trust_id, name, prefix, key_hash, scopes) values (${trust.id}, 'mis SYNC', 'cs_b', 'h2', '{people:read}')`),
      /api_keys_active_name_unique/,
    );
    await database.db.execute(sql`update api_keys set revoked_at = now() where trust_id = ${trust.id}`);
    await database.db.execute(
      sql`insert into api_keys (trust_id, name, prefix, key_hash, scopes) values (${trust.id}, 'mis SYNC', 'cs_b', 'h2', '{people:read}')`,
    );
  });

  test('the checked-in migrations match the schema (drizzle-kit has nothing new to generate)', () => {
    const out = execFileSync(process.execPath, ['node_modules/drizzle-kit/bin.cjs', 'check'], { encoding: 'utf8' });
    assert.match(out, /Everything's fine/);
  });
});
