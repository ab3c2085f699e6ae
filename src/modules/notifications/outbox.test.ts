import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { freshDatabase } from '../../../test/db.ts';
import { makeTrust } from '../../../test/factories.ts';
import { type Database, transaction } from '../../db/client.ts';
import { outbox } from './schema.ts';
import { deliverDue, MAX_ATTEMPTS, queueEmail, retryDelayMs } from './service.ts';

type Received = { to: string[]; raw: string };
let database: Database;
let trustId: string;
let inbox: Received[] = [];
let failNext = 0;
let server: SMTPServer;
let port: number;

before(async () => {
  database = await freshDatabase();
  trustId = (await makeTrust(database.db)).id;
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk) => {
        raw += chunk;
      });
      stream.on('end', () => {
        if (failNext > 0) {
          failNext--;
          callback(new Error('451 mailbox busy, try later'));
          return;
        }
        inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.close();
});

const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
const message = (key: string, extra: Partial<Parameters<typeof queueEmail>[1]> = {}) => ({
  trustId,
  to: 'tess@school.example',
  template: 'test',
  dedupeKey: key,
  subject: 'Oakfield Primary: please sign',
  text: 'Please sign https://countersign.example/agreements',
  html: '<p>Please sign</p>',
  ...extra,
});

describe('outbox', () => {
  test('a message is written with the change that caused it, or not at all', async () => {
    await assert.rejects(
      transaction(database.db, async (tx) => {
        await queueEmail(tx, message('rolled-back'));
        throw new Error('the change failed');
      }),
    );
    const rows = await database.db.select().from(outbox).where(eq(outbox.dedupeKey, 'rolled-back'));
    assert.equal(rows.length, 0);
  });

  test('the same dedupe key is queued once', async () => {
    assert.equal(await queueEmail(database.db, message('reminder:1')), true);
    assert.equal(await queueEmail(database.db, message('reminder:1')), false);
    assert.equal((await database.db.select().from(outbox).where(eq(outbox.dedupeKey, 'reminder:1'))).length, 1);
  });

  test('the worker sends due messages over SMTP, once', async () => {
    inbox = [];
    const mailer = transport();
    const first = await deliverDue(database.db, mailer, 'Countersign <no-reply@countersign.example>');
    assert.equal(first.sent, 1);
    const second = await deliverDue(database.db, mailer, 'Countersign <no-reply@countersign.example>');
    assert.equal(second.sent, 0, 'nothing is sent twice');
    assert.equal(inbox.length, 1);
    assert.deepEqual(inbox[0]?.to, ['tess@school.example']);
    assert.match(inbox[0]?.raw ?? '', /Subject: Oakfield Primary: please sign/);
    const [row] = await database.db.select().from(outbox).where(eq(outbox.dedupeKey, 'reminder:1'));
    assert.equal(row?.status, 'sent');
    assert.ok(row?.sentAt);
  });

  test('two workers racing never send the same message twice', async () => {
    inbox = [];
    for (let i = 0; i < 12; i++) await queueEmail(database.db, message(`race:${i}`, { to: `race${i}@school.example` }));
    const [a, b] = await Promise.all([deliverDue(database.db, transport(), 'x@y.example', 5), deliverDue(database.db, transport(), 'x@y.example', 5)]);
    const rest = await deliverDue(database.db, transport(), 'x@y.example', 50);
    assert.equal(a.sent + b.sent + rest.sent, 12);
    assert.equal(inbox.length, 12);
    assert.equal(new Set(inbox.map((m) => m.to[0])).size, 12);
  });

  test('a failure is retried later with back-off, then given up after the last attempt', async () => {
    inbox = [];
    failNext = 1;
    await queueEmail(database.db, message('flaky'));
    const first = await deliverDue(database.db, transport(), 'x@y.example');
    assert.equal(first.failed, 1);
    let [row] = await database.db.select().from(outbox).where(eq(outbox.dedupeKey, 'flaky'));
    assert.equal(row?.status, 'pending');
    assert.match(row?.lastError ?? '', /mailbox busy/);
    assert.ok((row?.nextAttemptAt.getTime() ?? 0) > Date.now() + 50_000, 'not retried at once');
    assert.equal((await deliverDue(database.db, transport(), 'x@y.example')).sent, 0, 'not due yet');
    await database.db.update(outbox).set({ nextAttemptAt: sql`now()` }).where(eq(outbox.dedupeKey, 'flaky'));
    assert.equal((await deliverDue(database.db, transport(), 'x@y.example')).sent, 1);

    await queueEmail(database.db, message('hopeless'));
    await database.db
      .update(outbox)
      .set({ attempts: MAX_ATTEMPTS - 1 })
      .where(eq(outbox.dedupeKey, 'hopeless'));
    failNext = 1;
    await deliverDue(database.db, transport(), 'x@y.example');
    [row] = await database.db.select().from(outbox).where(eq(outbox.dedupeKey, 'hopeless'));
    assert.equal(row?.status, 'failed');
    assert.deepEqual([1, 2, 3, 10].map(retryDelayMs), [60_000, 120_000, 240_000, 6 * 3600_000]);
  });

  test('a claim left by a worker that died is picked up when its lease runs out', async () => {
    inbox = [];
    await queueEmail(database.db, message('orphan'));
    await database.db.update(outbox).set({ status: 'sending', lockedUntil: sql`now() - interval '1 minute'` }).where(eq(outbox.dedupeKey, 'orphan'));
    assert.equal((await deliverDue(database.db, transport(), 'x@y.example')).sent, 1);
  });

  test('a sign-in link is blanked from the outbox once delivered', async () => {
    await queueEmail(database.db, message('secret', { sensitive: true, text: 'https://countersign.example/sign-in/link?token=abc' }));
    await deliverDue(database.db, transport(), 'x@y.example');
    const [row] = await database.db.select().from(outbox).where(eq(outbox.dedupeKey, 'secret'));
    assert.doesNotMatch(row?.textBody ?? '', /token=abc/);
  });
});
