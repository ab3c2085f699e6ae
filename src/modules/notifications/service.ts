import { and, desc, eq, sql } from 'drizzle-orm';
import type { Transporter } from 'nodemailer';
import type { Ctx } from '../../context.ts';
import { type Db, rows } from '../../db/client.ts';
import { authorize } from '../auth/authorize.ts';
import { outbox } from './schema.ts';

export type EmailMessage = { subject: string; text: string; html: string };

export type QueueEmail = EmailMessage & {
  trustId: string;
  to: string;
  template: string;
  /** Same key, same trust: stored once. Build it from what makes the message unique (e.g. `magic-link:<id>`). */
  dedupeKey: string;
  sensitive?: boolean;
};

/** Queues an email in the caller's transaction. Returns false when the same message was already queued. */
export async function queueEmail(tx: Db, message: QueueEmail): Promise<boolean> {
  const inserted = await tx
    .insert(outbox)
    .values({
      trustId: message.trustId,
      dedupeKey: message.dedupeKey,
      toAddress: message.to,
      template: message.template,
      subject: message.subject,
      textBody: message.text,
      htmlBody: message.html,
      sensitive: message.sensitive ?? false,
    })
    .onConflictDoNothing({ target: [outbox.trustId, outbox.dedupeKey] })
    .returning({ id: outbox.id });
  return inserted.length > 0;
}

export const MAX_ATTEMPTS = 8;
/** Back-off after the nth failed attempt: 1, 2, 4 … minutes, at most 6 hours. */
export const retryDelayMs = (attempt: number) => Math.min(2 ** (attempt - 1) * 60_000, 6 * 3600_000);

type Claimed = {
  trust_id: string;
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  attempts: number;
  sensitive: boolean;
};

/**
 * Sends what is due. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so two workers (or
 * two app instances) never send the same message, and a worker that dies mid-send releases its
 * claim when the lease runs out.
 */
export async function deliverDue(db: Db, transport: Transporter, from: string, batchSize = 20): Promise<{ sent: number; failed: number }> {
  const claimed = await rows<Claimed>(
    db,
    sql`update outbox set status = 'sending', locked_until = now() + interval '2 minutes', attempts = attempts + 1
        where (trust_id, id) in (
          select trust_id, id from outbox
          where (status = 'pending' and next_attempt_at <= now()) or (status = 'sending' and locked_until < now())
          order by next_attempt_at limit ${batchSize} for update skip locked)
        returning trust_id, id, to_address, subject, text_body, html_body, attempts, sensitive`,
  );
  let sent = 0;
  let failed = 0;
  for (const m of claimed) {
    const where = and(eq(outbox.trustId, m.trust_id), eq(outbox.id, m.id));
    try {
      await transport.sendMail({ from, to: m.to_address, subject: m.subject, text: m.text_body, html: m.html_body });
      await db
        .update(outbox)
        .set({
          status: 'sent',
          sentAt: new Date(),
          lockedUntil: null,
          lastError: null,
          ...(m.sensitive ? { textBody: '(removed after sending: it contained a sign-in link)', htmlBody: '' } : {}),
        })
        .where(where);
      sent++;
    } catch (error) {
      failed++;
      const gaveUp = m.attempts >= MAX_ATTEMPTS;
      await db
        .update(outbox)
        .set({
          status: gaveUp ? 'failed' : 'pending',
          lockedUntil: null,
          lastError: String((error as Error).message ?? error).slice(0, 500),
          nextAttemptAt: new Date(Date.now() + retryDelayMs(m.attempts)),
        })
        .where(where);
    }
  }
  return { sent, failed };
}

export type OutboxFilter = { status?: string; to?: string; page: number; pageSize: number };

export async function listOutbox(ctx: Ctx, filter: OutboxFilter) {
  authorize(ctx.actor, 'outbox.view', { trustId: ctx.actor.trustId });
  const conditions = [eq(outbox.trustId, ctx.actor.trustId)];
  if (filter.status) conditions.push(eq(outbox.status, filter.status));
  if (filter.to) conditions.push(eq(outbox.toAddress, filter.to.trim().toLowerCase()));
  const where = and(...conditions);
  const [items, [total]] = await Promise.all([
    ctx.db
      .select()
      .from(outbox)
      .where(where)
      .orderBy(desc(outbox.createdAt), desc(outbox.id))
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize),
    ctx.db.select({ n: sql<number>`count(*)::int` }).from(outbox).where(where),
  ]);
  return { items, total: total?.n ?? 0 };
}

export async function getOutboxMessage(ctx: Ctx, id: string) {
  authorize(ctx.actor, 'outbox.view', { trustId: ctx.actor.trustId });
  const [message] = await ctx.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.trustId, ctx.actor.trustId), eq(outbox.id, id)));
  return message ?? null;
}
