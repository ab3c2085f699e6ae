import type { Ctx } from '../context.ts';
import type { Db } from '../db/client.ts';
import { actorId, actorLabel } from '../modules/auth/actor.ts';
import { auditEvents } from './schema.ts';

/** The closed list of things the audit trail records. Later modules add theirs. */
export const AUDIT_ACTIONS = {
  'trust.created': 'Trust created',
  'school.created': 'School added',
  'school.updated': 'School changed',
  'person.created': 'Person added',
  'person.updated': 'Person changed',
  'person.end_dated': 'Person end-dated',
  'role.granted': 'Role granted',
  'role.revoked': 'Role removed',
  'people.imported': 'People imported',
  'password.set': 'Administrator password set',
  'session.signed_in': 'Signed in',
  'session.signed_out': 'Signed out',
  'api_key.created': 'API key created',
  'api_key.revoked': 'API key revoked',
  'policy.created': 'Policy created',
  'policy.updated': 'Policy details changed',
  'policy.reviewed': 'Policy reviewed',
  'policy_version.drafted': 'Policy draft started',
  'policy_version.edited': 'Policy draft edited',
  'policy_version.discarded': 'Policy draft discarded',
  'policy_version.approved': 'Policy version approved',
  'policy_version.published': 'Policy version published',
  'calendar_feed.created': 'Review calendar address created',
  'calendar_feed.revoked': 'Review calendar address turned off',
  'campaign.created': 'Policy assigned for signing',
  'campaign.closed': 'Signing request closed',
  'assignments.carried': 'Signing carried to a new version',
  'assignments.annual': 'Annual re-signing started',
  'policy.resign_cycle_set': 'Annual re-signing changed',
  'acknowledgement.signed': 'Policy signed',
  'acknowledgement.recorded_on_paper': 'Paper signature recorded',
  'acknowledgements.imported': 'Past signatures imported',
  'evidence.verified': 'Signature records checked',
  'concern.reported': 'Concern reported',
  'concern.updated': 'Concern updated',
  'concern.status_changed': 'Concern status changed',
  'concern.assigned': 'Concern assigned',
  'concern.closed': 'Concern closed',
  'breach.decided': 'Breach decision recorded',
  'breach.ico_notified': 'Breach reported to the ICO',
  'breach.discovery_corrected': 'Breach discovery time corrected',
  'concerns.exported': 'Concerns exported',
  'noncompliance.created': 'Non-compliance recorded',
  'noncompliance.updated': 'Non-compliance record changed',
  'noncompliance.outcome': 'Non-compliance outcome recorded',
  'asset.created': 'Asset added',
  'asset.updated': 'Asset changed',
  'asset.status_changed': 'Asset status changed',
  'asset.disposed': 'Asset disposed of',
  'assets.imported': 'Assets imported',
  'assets.exported': 'Assets exported',
  'loan_agreement.published': 'Loan agreement published',
  'loan.issued': 'Devices lent',
  'loan.signed': 'Loan agreement signed',
  'loan.cancelled': 'Loan cancelled',
  'loan.return_requested': 'Return requested',
  'loan.returned': 'Devices returned',
  'byod.registered': 'Personal device registered',
  'byod.decided': 'Personal device approved or refused',
  'byod.renewed': 'Personal device rules attested again',
  'byod.closed': 'Personal device registration closed',
  'byod.expired': 'Personal device approval expired (not renewed in time)',
  'request.made': 'Permission requested',
  'request.decided': 'Request decided',
  'request.withdrawn': 'Request withdrawn',
  'request.expired': 'Permission expired',
  'cloud_service.added': 'Cloud service approved',
  'cloud_service.updated': 'Cloud service changed',
  'settings.updated': 'Trust settings changed',
  'monitoring_source.created': 'Monitoring source added',
  'monitoring_source.updated': 'Monitoring source changed',
  'monitoring_source.key_issued': 'Monitoring source given a new API key',
  'monitoring_username.mapped': 'Monitoring username matched to a person',
  'monitoring_upload.started': 'Monitoring log uploaded',
  'monitoring_rule.created': 'Monitoring rule added',
  'monitoring_rule.updated': 'Monitoring rule changed',
  'enhanced_monitoring.set': 'Enhanced monitoring set',
  'enhanced_monitoring.ended': 'Enhanced monitoring ended early',
  'alert.acknowledged': 'Alert acknowledged',
  'alert.outcome': 'Alert outcome recorded',
  'alert.escalated': 'Alert escalated to a concern',
  'alert.closed': 'Alert closed',
  'alerts.exported': 'Alerts exported',
  'monitoring_audit.searched': 'Sign-in and file events searched',
  'monitoring_audit.exported': 'Sign-in and file events exported',
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;

export type AuditEntry = {
  action: AuditAction;
  resourceType: string;
  resourceId?: string | null;
  summary: string;
  before?: unknown;
  after?: unknown;
};

/** Records one change, in the caller's transaction, so the change and its record land together. */
export async function recordEvent(tx: Db, ctx: Pick<Ctx, 'actor' | 'ip' | 'requestId'>, entry: AuditEntry): Promise<void> {
  await recordEvents(tx, ctx, [entry]);
}

/** Records many changes made by one action (an import), in a few multi-row inserts. */
export async function recordEvents(tx: Db, ctx: Pick<Ctx, 'actor' | 'ip' | 'requestId'>, entries: AuditEntry[]): Promise<void> {
  const { actor } = ctx;
  const rows = entries.map((entry) => ({
    trustId: actor.trustId,
    actorType: actor.type,
    actorId: actorId(actor),
    actorLabel: actorLabel(actor),
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId ?? null,
    summary: entry.summary,
    before: entry.before === undefined ? null : (entry.before as object),
    after: entry.after === undefined ? null : (entry.after as object),
    ip: ctx.ip ?? null,
    requestId: ctx.requestId ?? null,
  }));
  for (let i = 0; i < rows.length; i += 500) await tx.insert(auditEvents).values(rows.slice(i, i + 500));
}
