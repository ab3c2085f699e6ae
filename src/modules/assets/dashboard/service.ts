import { and, asc, type Column, count, eq, exists, gte, inArray, isNull, lt, lte, min, notExists, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../../../context.ts';
import { londonToday } from '../../../ui/format.ts';
import { addDays } from '../../acknowledgements/service.ts';
import { authorize, schoolsFor } from '../../auth/authorize.ts';
import { BYOD_TYPES, byodAttestations, byodDevices } from '../../byod/schema.ts';
import type { Bar } from '../../noncompliance/chart.tsx';
import { listSchools } from '../../organisations/repository.ts';
import { people, personSchools } from '../../organisations/schema.ts';
import { requests } from '../../requests/schema.ts';
import { isRequestType, typeLabel } from '../../requests/types.ts';
import { ASSET_STATUSES, ASSET_TYPES, type AssetStatus, type AssetType, assets, loanItems, loans } from '../schema.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A return is "due soon" when its 72-hour clock ends within this long. */
export const DUE_SOON_MS = 24 * HOUR;
/** A loan waiting for the person's signature longer than this is chased on the dashboard. */
export const UNSIGNED_AFTER_MS = 2 * DAY;
/** Personal-device approvals ending within this many days are listed for renewal. */
export const EXPIRING_WITHIN_DAYS = 30;

/** `?school=` a school's id, or `trust` for the central team (no school); anything else shows everything the reader may see. */
export const dashboardQuery = z.object({
  school: z
    .union([z.literal('trust'), z.uuid()])
    .optional()
    .catch(undefined),
});
export type DashboardQuery = z.output<typeof dashboardQuery>;

/**
 * A request type's name from the requests module's table ("software" → "Install software"); a code
 * the table no longer has (a retired type) is put in words ("old_type" → "Old type").
 */
export const requestTypeLabel = (type: string) => {
  if (isRequestType(type)) return typeLabel(type);
  const words = type.replace(/[_-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Other';
};

/** Whole days from one instant to a later one, rounded down ("waiting 3 days"). */
export const wholeDays = (from: Date, to: Date) => Math.max(0, Math.floor((to.getTime() - from.getTime()) / DAY));

type Scope = { seen: 'all' | string[]; school: string | undefined };

/** Which rows of a table with a school column the reader sees: the chosen school, the central team (no school), or all theirs. */
function bySchool(column: Column, { seen, school }: Scope): SQL | undefined {
  if (school === 'trust') return isNull(column);
  if (school) return eq(column, school);
  if (seen === 'all') return undefined;
  return seen.length ? inArray(column, seen) : sql`false`;
}

/** The same for a person's own record (a personal device): by the schools the person works at. */
function byPersonSchool(db: Ctx['db'], trustId: string, personId: Column, { seen, school }: Scope): SQL | undefined {
  const worksAt = (where?: SQL) =>
    db
      .select({ one: sql`1` })
      .from(personSchools)
      .where(and(eq(personSchools.trustId, trustId), eq(personSchools.personId, personId), where));
  if (school === 'trust') return notExists(worksAt());
  if (school) return exists(worksAt(eq(personSchools.schoolId, school)));
  if (seen === 'all') return undefined;
  return seen.length ? exists(worksAt(inArray(personSchools.schoolId, seen))) : sql`false`;
}

export type DashboardLoan = {
  id: string;
  reference: string;
  person: { id: string; fullName: string };
  issuedAt: Date;
  returnDueAt: Date | null;
  devices: { tag: string; type: AssetType; make: string | null; model: string | null }[];
};

/**
 * The IT dashboard: devices by status and type, returns overdue and due within a day, loans
 * waiting too long for a signature, personal devices waiting for IT or whose approval ends soon,
 * and requests waiting for a decision by type. Trust roles see every school (and may pick one,
 * or the central team); school roles see their own schools. Counts come from the tables, so the
 * page never depends on the modules that write them.
 */
export async function itDashboard(ctx: Ctx, q: DashboardQuery, now = new Date()) {
  const trustId = ctx.actor.trustId;
  authorize(ctx.actor, 'itDashboard.view', { trustId });
  const db = ctx.db;
  const seen = schoolsFor(ctx.actor, 'itDashboard.view');
  const allSchools = await listSchools(db, trustId);
  const schoolOptions = [
    ...allSchools.filter((s) => seen === 'all' || seen.includes(s.id)).map((s) => ({ value: s.id, label: s.name })),
    ...(seen === 'all' ? [{ value: 'trust', label: 'Central team (no school)' }] : []),
  ];
  const school = schoolOptions.some((s) => s.value === q.school) ? q.school : undefined;
  const scope: Scope = { seen, school };
  const today = londonToday(now);

  const [statusCounts, typeCounts] = await Promise.all([
    db
      .select({ status: assets.status, n: count() })
      .from(assets)
      .where(and(eq(assets.trustId, trustId), bySchool(assets.schoolId, scope)))
      .groupBy(assets.status),
    db
      .select({ type: assets.type, n: count() })
      .from(assets)
      .where(and(eq(assets.trustId, trustId), bySchool(assets.schoolId, scope), sql`${assets.status} <> 'disposed'`))
      .groupBy(assets.type),
  ]);
  const statusN = new Map(statusCounts.map((r) => [r.status, r.n]));
  const devicesByStatus: Bar[] = (Object.keys(ASSET_STATUSES) as AssetStatus[]).map((s) => ({
    key: s,
    label: ASSET_STATUSES[s].label,
    value: statusN.get(s) ?? 0,
  }));
  const devicesByType: Bar[] = typeCounts
    .map((r) => ({ key: r.type, label: ASSET_TYPES[r.type] ?? r.type, value: r.n }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label, 'en-GB'));

  // Loans, with the devices still out on each.
  const loanRows = (where: SQL | undefined, order: SQL) =>
    db
      .select({
        id: loans.id,
        reference: loans.reference,
        personId: people.id,
        fullName: people.fullName,
        issuedAt: loans.issuedAt,
        returnDueAt: loans.returnDueAt,
      })
      .from(loans)
      .innerJoin(people, and(eq(people.trustId, loans.trustId), eq(people.id, loans.personId)))
      .where(and(eq(loans.trustId, trustId), bySchool(loans.schoolId, scope), where))
      .orderBy(order, asc(loans.reference));
  const [overdueRows, dueSoonRows, unsignedRows] = await Promise.all([
    loanRows(and(eq(loans.status, 'return_requested'), lt(loans.returnDueAt, now)), asc(loans.returnDueAt)),
    loanRows(
      and(eq(loans.status, 'return_requested'), gte(loans.returnDueAt, now), lt(loans.returnDueAt, new Date(now.getTime() + DUE_SOON_MS))),
      asc(loans.returnDueAt),
    ),
    loanRows(and(eq(loans.status, 'awaiting_signature'), lt(loans.issuedAt, new Date(now.getTime() - UNSIGNED_AFTER_MS))), asc(loans.issuedAt)),
  ]);
  const loanIds = [...overdueRows, ...dueSoonRows, ...unsignedRows].map((l) => l.id);
  const items = loanIds.length
    ? await db
        .select({ loanId: loanItems.loanId, tag: assets.tag, type: assets.type, make: assets.make, model: assets.model })
        .from(loanItems)
        .innerJoin(assets, and(eq(assets.trustId, loanItems.trustId), eq(assets.id, loanItems.assetId)))
        .where(and(eq(loanItems.trustId, trustId), inArray(loanItems.loanId, loanIds), isNull(loanItems.returnedAt)))
        .orderBy(asc(assets.tag))
    : [];
  const toLoan = (l: (typeof overdueRows)[number]): DashboardLoan => ({
    id: l.id,
    reference: l.reference,
    person: { id: l.personId, fullName: l.fullName },
    issuedAt: l.issuedAt,
    returnDueAt: l.returnDueAt,
    devices: items.filter((i) => i.loanId === l.id).map(({ loanId: _, ...device }) => device),
  });

  // Personal devices: waiting for IT, and approvals ending within 30 days (or already ended but not yet swept).
  const byodScope = byPersonSchool(db, trustId, byodDevices.personId, scope);
  const lastApproved = db
    .select({ deviceId: byodAttestations.deviceId, expiresOn: sql<string>`max(${byodAttestations.expiresOn})`.as('expires_on') })
    .from(byodAttestations)
    .where(and(eq(byodAttestations.trustId, trustId), eq(byodAttestations.decision, 'approved')))
    .groupBy(byodAttestations.deviceId)
    .as('last_approved');
  const deviceColumns = {
    id: byodDevices.id,
    type: byodDevices.type,
    make: byodDevices.make,
    model: byodDevices.model,
    registeredAt: byodDevices.registeredAt,
    personId: people.id,
    fullName: people.fullName,
  };
  const [pendingDevices, expiringDevices] = await Promise.all([
    db
      .select(deviceColumns)
      .from(byodDevices)
      .innerJoin(people, and(eq(people.trustId, byodDevices.trustId), eq(people.id, byodDevices.personId)))
      .where(and(eq(byodDevices.trustId, trustId), eq(byodDevices.status, 'pending'), byodScope))
      .orderBy(asc(byodDevices.registeredAt)),
    db
      .select({ ...deviceColumns, expiresOn: lastApproved.expiresOn })
      .from(byodDevices)
      .innerJoin(people, and(eq(people.trustId, byodDevices.trustId), eq(people.id, byodDevices.personId)))
      .innerJoin(lastApproved, eq(lastApproved.deviceId, byodDevices.id))
      .where(
        and(eq(byodDevices.trustId, trustId), eq(byodDevices.status, 'approved'), lte(lastApproved.expiresOn, addDays(today, EXPIRING_WITHIN_DAYS)), byodScope),
      )
      .orderBy(asc(lastApproved.expiresOn)),
  ]);
  const device = (d: (typeof pendingDevices)[number]) => ({
    id: d.id,
    label: [d.make, d.model].filter(Boolean).join(' '),
    typeLabel: BYOD_TYPES[d.type] ?? d.type,
    person: { id: d.personId, fullName: d.fullName },
    registeredAt: d.registeredAt,
  });

  // Requests waiting for a decision, by type.
  const waiting = await db
    .select({ type: requests.type, n: count(), oldest: min(requests.createdAt) })
    .from(requests)
    .where(and(eq(requests.trustId, trustId), eq(requests.status, 'pending'), bySchool(requests.schoolId, scope)))
    .groupBy(requests.type);
  const requestsWaiting = waiting
    .map((r) => {
      const oldest = r.oldest ? new Date(r.oldest) : now;
      return { type: r.type, label: requestTypeLabel(r.type), count: r.n, oldestAt: oldest, oldestDays: wholeDays(oldest, now) };
    })
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'en-GB'));

  return {
    query: { school },
    schools: schoolOptions,
    schoolLabel: school ? (schoolOptions.find((s) => s.value === school)?.label ?? '') : seen === 'all' ? 'All schools' : 'Your schools',
    now,
    today,
    devicesTotal: devicesByStatus.reduce((sum, b) => sum + b.value, 0),
    devicesByStatus,
    devicesByType,
    overdue: overdueRows.map(toLoan),
    dueSoon: dueSoonRows.map(toLoan),
    unsigned: unsignedRows.map(toLoan),
    byodPending: pendingDevices.map(device),
    byodExpiring: expiringDevices.map((d) => ({ ...device(d), expiresOn: d.expiresOn })),
    requestsWaiting,
    requestsWaitingTotal: requestsWaiting.reduce((sum, r) => sum + r.count, 0),
    requestsByType: requestsWaiting.map((r) => ({ key: r.type, label: r.label, value: r.count })) satisfies Bar[],
  };
}
export type ItDashboard = Awaited<ReturnType<typeof itDashboard>>;
