import type { FastifyBaseLogger } from 'fastify';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { londonToday } from '../../ui/format.ts';
import { sendAgreementNotifications } from '../acknowledgements/campaigns/sweep.ts';
import { sendLoanReminders } from '../assets/loans/sweep.ts';
import { pruneSignInAttempts } from '../auth/service.ts';
import { sendByodReminders } from '../byod/sweep.ts';
import { sendConcernNotifications } from '../concerns/breaches/sweep.ts';
import { sendAlertDigests } from '../monitoring/alerts/sweep.ts';
import { pruneAuditEvents } from '../monitoring/audit-events/sweep.ts';
import { failStaleUploads } from '../monitoring/intake/uploads.ts';
import { sendNonComplianceReminders } from '../noncompliance/sweep.ts';
import { sendReviewReminders } from '../policies/reviews/service.ts';
import { sendRequestReminders } from '../requests/sweep.ts';
import { deliverDue } from './service.ts';

export function createTransport(smtpUrl: string): Transporter {
  return nodemailer.createTransport(smtpUrl);
}

/**
 * The background loop of one app instance: sends due outbox emails, tidies rate-limit rows,
 * hourly queues policy review reminders and every 5 minutes runs the agreement sweep (new
 * starters, annual rounds, assigned emails, reminders, escalations), the concerns sweep (daily
 * digests, breach escalations) and non-compliance review reminders. Both sweeps are idempotent,
 * keyed by dedupe keys (ADR 0005), so several instances can run them at once.
 * Without SMTP_URL nothing is sent and the outbox stays readable in the app.
 */
export function startBackgroundWork(db: Db, config: Config, log: FastifyBaseLogger, transport?: Transporter): { stop(): Promise<void> } {
  const mailer = transport ?? (config.smtpUrl ? createTransport(config.smtpUrl) : undefined);
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let lastPrune = 0;
  let lastReviewSweep = 0;
  let lastAgreementSweep = 0;
  const tick = async () => {
    try {
      if (mailer) {
        const result = await deliverDue(db, mailer, config.mailFrom);
        if (result.sent || result.failed) log.info(result, 'outbox delivery');
      }
      if (Date.now() - lastPrune > 3_600_000) {
        lastPrune = Date.now();
        await pruneSignInAttempts(db);
        const pruned = await pruneAuditEvents(db);
        if (pruned.deleted) log.info(pruned, 'sign-in and file events past their retention deleted');
        if ((await failStaleUploads(db)) > 0) log.warn('log uploads whose reading had stopped were marked as failed');
      }
      if (Date.now() - lastReviewSweep > 3_600_000) {
        lastReviewSweep = Date.now();
        const result = await sendReviewReminders(db, config.baseUrl, londonToday());
        if (result.queued) log.info(result, 'policy review reminders');
      }
      if (Date.now() - lastAgreementSweep > 300_000) {
        lastAgreementSweep = Date.now();
        const result = await sendAgreementNotifications(db, config.baseUrl, londonToday());
        if (Object.values(result).some((n) => n > 0)) log.info(result, 'agreement notifications');
        const concerns = await sendConcernNotifications(db, config.baseUrl);
        if (concerns.digests || concerns.escalations) log.info(concerns, 'concern notifications');
        const nc = await sendNonComplianceReminders(db, config.baseUrl, londonToday());
        if (nc.reminders) log.info(nc, 'non-compliance reminders');
        const registers = {
          loans: (await sendLoanReminders(db, config.baseUrl)).reminders,
          devices: (await sendByodReminders(db, config.baseUrl)).reminders,
          requests: (await sendRequestReminders(db, config.baseUrl)).reminders,
        };
        if (registers.loans || registers.devices || registers.requests) log.info(registers, 'register reminders');
        const alertDigests = await sendAlertDigests(db, config.baseUrl);
        if (alertDigests.digests) log.info(alertDigests, 'alert digests');
      }
    } catch (error) {
      log.error({ err: error }, 'background work failed');
    }
  };
  const timer = setInterval(() => {
    if (!stopped) running = running.then(tick);
  }, config.outboxPollSeconds * 1000);
  running = running.then(tick);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      mailer?.close();
    },
  };
}
