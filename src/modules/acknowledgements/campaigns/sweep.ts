import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { type Db, transaction } from '../../../db/client.ts';
import { londonToday } from '../../../ui/format.ts';
import { createSignInLink } from '../../auth/service.ts';
import { outbox } from '../../notifications/schema.ts';
import { queueEmail } from '../../notifications/service.ts';
import { people, personSchools, roleAssignments, schools, trusts } from '../../organisations/schema.ts';
import { daysBetween } from '../../policies/reviews/service.ts';
import { policies, policyVersions } from '../../policies/schema.ts';
import { type AssignmentSource, assignments, campaigns } from '../schema.ts';
import { addDays, isCurrentPerson, syncOnboarding } from '../service.ts';
import { agreementEmail, type Cadence, DEFAULT_CADENCE, escalationEmail } from './emails.tsx';
import { startAnnualRound } from './service.ts';

// ---------------------------------------------------------------------------------------------
// The schedule (pure: the tests drive it with a controllable `today`)

export type Step = { key: string; on: string };

/**
 * The person's reminder due today: the latest step whose date has come. Before the due date the
 * steps are `before-<n>` (n days before, from the cadence) and `due` (on the day); after it,
 * `overdue-<k>` every `overdueEveryDays` days (k = 7, 14, …). Once the date has passed, a step
 * from before it is never chosen, so nobody is told "due in 1 day" after the day.
 */
export function reminderStep(dueOn: string, today: string, cadence: Cadence): Step | null {
  const late = daysBetween(dueOn, today);
  if (late > 0) {
    const k = Math.floor(late / cadence.overdueEveryDays) * cadence.overdueEveryDays;
    return k > 0 ? { key: `overdue-${k}`, on: addDays(dueOn, k) } : null;
  }
  const ahead = cadence.reminderDaysBefore.filter((n) => n >= -late);
  if (!ahead.length) return null;
  const n = Math.min(...ahead);
  return { key: n === 0 ? 'due' : `before-${n}`, on: addDays(dueOn, -n) };
}

/** Who is told about someone overdue: the latest escalation whose day has come (the head teacher's is later). */
export function escalationStep(dueOn: string, today: string, cadence: Cadence): (Step & { level: 'manager' | 'head' }) | null {
  const late = daysBetween(dueOn, today);
  const head = cadence.escalateHeadAfterDays;
  const manager = cadence.escalateManagerAfterDays;
  if (head !== null && late >= head) return { key: 'escalate-head', on: addDays(dueOn, head), level: 'head' };
  if (manager !== null && late >= manager) return { key: 'escalate-manager', on: addDays(dueOn, manager), level: 'manager' };
  return null;
}

export const dedupeKey = (assignmentId: string, step: string) => `agreement:${assignmentId}:${step}`;

/** The personal sign-in link in the person's emails works this long (a reminder brings a fresh one). */
export const LINK_DAYS = 7;

/** The furthest before the due date a reminder can be (the campaign form allows up to 90 days). */
const MAX_LEAD_DAYS = 90;
const PAGE = 500;

// ---------------------------------------------------------------------------------------------
// The sweep

type Candidate = {
  id: string;
  personId: string;
  policyId: string;
  dueOn: string;
  source: AssignmentSource;
  campaignId: string | null;
  reminderDaysBefore: number[] | null;
  overdueEveryDays: number | null;
  escalateManagerAfterDays: number | null;
  escalateHeadAfterDays: number | null;
  policyTitle: string;
  resignEveryMonths: number | null;
  versionLabel: string;
  name: string;
  email: string;
  position: string | null;
  lineManagerId: string | null;
};

const cadenceOf = (c: Candidate): Cadence =>
  c.campaignId
    ? {
        reminderDaysBefore: c.reminderDaysBefore ?? DEFAULT_CADENCE.reminderDaysBefore,
        overdueEveryDays: c.overdueEveryDays ?? DEFAULT_CADENCE.overdueEveryDays,
        escalateManagerAfterDays: c.escalateManagerAfterDays,
        escalateHeadAfterDays: c.escalateHeadAfterDays,
      }
    : DEFAULT_CADENCE;

const assignedEmailExists = sql`exists (select 1 from ${outbox} o where o.trust_id = ${assignments.trustId} and o.dedupe_key = 'agreement:' || ${assignments.id}::text || ':assigned')`;

/**
 * One page of a trust's assignments that may need an email today. Only current, unsigned
 * assignments of a version in force, of people who have not left, are looked at (the partial
 * index assignments_due_idx holds exactly the unsigned current ones), and of those only:
 *   - the ones due within the longest reminder lead (due_on <= today + 90) or already overdue, and
 *   - any other whose assigned email has not gone yet (an anti-join on the outbox's unique
 *     (trust_id, dedupe_key) index).
 * Assignments due months ahead that have had their first email are never loaded. Paged by id.
 */
function candidates(db: Db, trustId: string, today: string, after: string, campaignId?: string) {
  return db
    .select({
      id: assignments.id,
      personId: assignments.personId,
      policyId: assignments.policyId,
      dueOn: assignments.dueOn,
      source: assignments.source,
      campaignId: campaigns.id,
      reminderDaysBefore: campaigns.reminderDaysBefore,
      overdueEveryDays: campaigns.overdueEveryDays,
      escalateManagerAfterDays: campaigns.escalateManagerAfterDays,
      escalateHeadAfterDays: campaigns.escalateHeadAfterDays,
      policyTitle: policies.title,
      resignEveryMonths: policies.resignEveryMonths,
      versionLabel: policyVersions.label,
      name: people.fullName,
      email: people.email,
      position: people.position,
      lineManagerId: people.lineManagerId,
    })
    .from(assignments)
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.trustId, assignments.trustId), eq(policyVersions.id, assignments.versionId), eq(policyVersions.status, 'published')),
    )
    .innerJoin(policies, and(eq(policies.trustId, assignments.trustId), eq(policies.id, assignments.policyId)))
    .innerJoin(people, and(eq(people.trustId, assignments.trustId), eq(people.id, assignments.personId)))
    .leftJoin(campaigns, and(eq(campaigns.trustId, assignments.trustId), eq(campaigns.id, assignments.campaignId)))
    .where(
      and(
        eq(assignments.trustId, trustId),
        isNull(assignments.acknowledgementId),
        isNull(assignments.replacedAt),
        isNull(assignments.withdrawnAt),
        isCurrentPerson(today),
        gt(assignments.id, after),
        campaignId ? eq(assignments.campaignId, campaignId) : undefined,
        or(lte(assignments.dueOn, addDays(today, MAX_LEAD_DAYS)), sql`not ${assignedEmailExists}`),
      ),
    )
    .orderBy(asc(assignments.id))
    .limit(PAGE) as Promise<Candidate[]>;
}

/** What the trust's escalations need, loaded once per trust: head teachers by school, administrators. */
async function trustContacts(db: Db, trustId: string, today: string) {
  const holders = await db
    .select({ personId: people.id, name: people.fullName, email: people.email, role: roleAssignments.role, schoolId: roleAssignments.schoolId })
    .from(roleAssignments)
    .innerJoin(people, and(eq(people.trustId, roleAssignments.trustId), eq(people.id, roleAssignments.personId)))
    .where(
      and(
        eq(roleAssignments.trustId, trustId),
        isNull(roleAssignments.revokedAt),
        inArray(roleAssignments.role, ['head_teacher', 'trust_admin']),
        isCurrentPerson(today),
      ),
    )
    .orderBy(asc(people.fullName));
  return {
    heads: holders.filter((h) => h.role === 'head_teacher'),
    admins: holders.filter((h) => h.role === 'trust_admin' && h.schoolId === null),
  };
}

type Recipient = { personId: string; name: string; email: string };

class AlreadyQueued extends Error {}

export type SweepResult = { onboarded: number; annual: number; assigned: number; reminders: number; escalations: number };

/**
 * The agreement sweep (the background loop runs it at start-up and every 5 minutes). First it
 * assigns new starters (syncOnboarding) and starts annual rounds (startAnnualRound), so they are
 * emailed in the same run. Then, per trust, for each current unsigned assignment of a version in
 * force whose person has not left, at most one step for the person:
 *   - `assigned`, once, always first (also when the sweep first runs days late);
 *   - otherwise the reminder due today (reminderStep), if its date is after the day the assigned
 *     email went, so a reminder never follows the first email on the same day;
 * and at most one escalation (escalationStep), on the same condition: the line manager at the
 * manager step (the head teachers of the person's schools when there is no current line manager,
 * trust administrators when there is no head teacher), the head teachers at the head step.
 *
 * Exactly once, also with two workers or app instances at once: every email has a dedupe key
 * `agreement:<assignment>:<step>` (escalations to head teachers add the recipient), and the
 * outbox's unique (trust_id, dedupe_key) keeps the first. A person's email carries a new personal
 * sign-in link: the link and the email are written in one transaction, rolled back when the email
 * was already queued, so a losing worker leaves no stray link. Signing (or a newer version)
 * takes the assignment out of the candidates, which is what stops the reminders.
 */
export async function sendAgreementNotifications(
  db: Db,
  baseUrl: string,
  today = londonToday(),
  only?: { trustId: string; campaignId: string },
): Promise<SweepResult> {
  const result: SweepResult = { onboarded: 0, annual: 0, assigned: 0, reminders: 0, escalations: 0 };
  if (!only) {
    result.onboarded = (await syncOnboarding(db, today)).assigned;
    result.annual = (await startAnnualRound(db, today)).assigned;
  }
  const trustList = await db
    .select({ id: trusts.id, name: trusts.name })
    .from(trusts)
    .where(only ? eq(trusts.id, only.trustId) : undefined)
    .orderBy(asc(trusts.id));
  for (const trust of trustList) {
    let contacts: Awaited<ReturnType<typeof trustContacts>> | null = null;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await candidates(db, trust.id, today, after, only?.campaignId);
      if (!page.length) break;
      after = page[page.length - 1]?.id as string;
      contacts ??= await trustContacts(db, trust.id, today);
      await sendPage(db, baseUrl, today, trust, page, contacts, result);
      // A new campaign's immediate run sends its first page; the sweep sends the rest within minutes.
      if (page.length < PAGE || only) break;
    }
  }
  return result;
}

async function sendPage(
  db: Db,
  baseUrl: string,
  today: string,
  trust: { id: string; name: string },
  page: Candidate[],
  contacts: Awaited<ReturnType<typeof trustContacts>>,
  result: SweepResult,
) {
  const trustId = trust.id;
  const personIds = [...new Set(page.map((a) => a.personId))];
  const managerIds = [...new Set(page.map((a) => a.lineManagerId).filter((id): id is string => !!id))];
  const [schoolRows, managers] = await Promise.all([
    db
      .select({ personId: personSchools.personId, id: schools.id, name: schools.name })
      .from(personSchools)
      .innerJoin(schools, and(eq(schools.trustId, personSchools.trustId), eq(schools.id, personSchools.schoolId)))
      .where(and(eq(personSchools.trustId, trustId), inArray(personSchools.personId, personIds)))
      .orderBy(asc(schools.name)),
    managerIds.length
      ? db
          .select({ personId: people.id, name: people.fullName, email: people.email })
          .from(people)
          .where(and(eq(people.trustId, trustId), inArray(people.id, managerIds), isCurrentPerson(today)))
      : [],
  ]);
  const byPerson = new Map<string, { id: string; name: string }[]>();
  for (const s of schoolRows) byPerson.set(s.personId, [...(byPerson.get(s.personId) ?? []), s]);
  const schoolsOf = (personId: string) => byPerson.get(personId) ?? [];
  const orgName = (personId: string) => schoolsOf(personId)[0]?.name ?? trust.name;

  // Who each assignment's escalation goes to today, and under which key.
  type Escalation = { as: 'manager' | 'head' | 'admin'; to: Recipient; key: string; url: string };
  const escalations = new Map<string, Escalation[]>();
  for (const a of page) {
    const step = escalationStep(a.dueOn, today, cadenceOf(a));
    if (!step) continue;
    const manager = a.lineManagerId && a.lineManagerId !== a.personId ? managers.find((m) => m.personId === a.lineManagerId) : undefined;
    if (step.level === 'manager' && manager) {
      escalations.set(a.id, [{ as: 'manager', to: manager, key: dedupeKey(a.id, 'escalate-manager'), url: `${baseUrl}/compliance/team` }]);
      continue;
    }
    const schoolIds = new Set(schoolsOf(a.personId).map((s) => s.id));
    const unique = (rs: Recipient[]) => [...new Map(rs.filter((r) => r.personId !== a.personId).map((r) => [r.personId, r])).values()];
    const heads = unique(contacts.heads.filter((h) => h.schoolId && schoolIds.has(h.schoolId)));
    const to = heads.length ? heads : unique(contacts.admins);
    escalations.set(
      a.id,
      to.map((r) => ({
        as: heads.length ? 'head' : 'admin',
        to: r,
        key: dedupeKey(a.id, `escalate-head:${r.personId}`),
        url: `${baseUrl}/compliance?policy=${a.policyId}`,
      })),
    );
  }

  // Which of today's emails are already in the outbox, and when each assigned email went.
  const keys = page.flatMap((a) => {
    const step = reminderStep(a.dueOn, today, cadenceOf(a));
    return [dedupeKey(a.id, 'assigned'), ...(step ? [dedupeKey(a.id, step.key)] : []), ...(escalations.get(a.id) ?? []).map((e) => e.key)];
  });
  const queued = new Map<string, Date>();
  for (let i = 0; i < keys.length; i += 1000) {
    const found = await db
      .select({ key: outbox.dedupeKey, createdAt: outbox.createdAt })
      .from(outbox)
      .where(and(eq(outbox.trustId, trustId), inArray(outbox.dedupeKey, keys.slice(i, i + 1000))));
    for (const f of found) queued.set(f.key, f.createdAt);
  }

  for (const a of page) {
    const cadence = cadenceOf(a);
    const personal = (step: string) =>
      queuePersonal(db, baseUrl, trustId, a, step, (url) =>
        agreementEmail(step, {
          name: a.name,
          orgName: orgName(a.personId),
          title: a.policyTitle,
          versionLabel: a.versionLabel,
          dueOn: a.dueOn,
          today,
          url,
          linkDays: LINK_DAYS,
          baseUrl,
          cadence,
          source: a.source,
          resignEveryMonths: a.resignEveryMonths,
        }),
      );
    const sentOn = queued.get(dedupeKey(a.id, 'assigned'));
    if (!sentOn) {
      if (await personal('assigned')) result.assigned++;
      continue;
    }
    const baseline = londonToday(sentOn);
    const step = reminderStep(a.dueOn, today, cadence);
    if (step && step.on > baseline && !queued.has(dedupeKey(a.id, step.key)) && (await personal(step.key))) result.reminders++;
    const escalation = escalationStep(a.dueOn, today, cadence);
    if (!escalation || escalation.on <= baseline) continue;
    for (const e of escalations.get(a.id) ?? []) {
      if (queued.has(e.key)) continue;
      const message = escalationEmail({
        recipientName: e.to.name,
        as: e.as,
        orgName: orgName(a.personId),
        personName: a.name,
        position: a.position,
        title: a.policyTitle,
        versionLabel: a.versionLabel,
        dueOn: a.dueOn,
        today,
        daysOverdue: daysBetween(a.dueOn, today),
        url: e.url,
      });
      const added = await queueEmail(db, { trustId, to: e.to.email, template: `agreement-escalation-${e.as}`, dedupeKey: e.key, ...message });
      if (added) result.escalations++;
    }
  }
}

/**
 * Queues one of the person's own emails with a fresh personal sign-in link to the signing page.
 * The link is kept only if the email is new: when another worker queued it first, the link is
 * rolled back with the transaction. Returns whether this call queued it.
 */
async function queuePersonal(
  db: Db,
  baseUrl: string,
  trustId: string,
  a: Candidate,
  step: string,
  build: (url: string) => ReturnType<typeof agreementEmail>,
): Promise<boolean> {
  try {
    return await transaction(db, async (tx) => {
      const link = await createSignInLink(tx, { trustId, personId: a.personId, nextPath: `/agreements/${a.id}/sign`, minutes: LINK_DAYS * 24 * 60 });
      const message = build(`${baseUrl}/sign-in/link?token=${encodeURIComponent(link.token)}`);
      const added = await queueEmail(tx, {
        trustId,
        to: a.email,
        template: step === 'assigned' ? 'agreement-assigned' : 'agreement-reminder',
        dedupeKey: dedupeKey(a.id, step),
        sensitive: true,
        ...message,
      });
      if (!added) throw new AlreadyQueued();
      return true;
    });
  } catch (error) {
    if (error instanceof AlreadyQueued) return false;
    throw error;
  }
}

/**
 * Sends a new campaign's assigned emails straight away instead of at the next sweep (the first
 * 500 people; a larger campaign's rest go with the sweep within 5 minutes, so the admin's request
 * stays quick). Called by the assign route after the campaign's transaction has committed; a
 * failure is logged, not thrown (the campaign stands, and the next sweep sends what is missing).
 */
export async function sendCampaignEmailsNow(db: Db, baseUrl: string, trustId: string, campaignId: string, log: Pick<FastifyBaseLogger, 'error' | 'info'>) {
  try {
    const result = await sendAgreementNotifications(db, baseUrl, londonToday(), { trustId, campaignId });
    log.info({ campaignId, ...result }, 'campaign emails queued');
    return result;
  } catch (error) {
    log.error({ err: error, campaignId }, 'campaign emails failed: the next sweep will send them');
    return null;
  }
}
