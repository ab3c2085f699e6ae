import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { freshDatabase } from '../../../../test/db.ts';
import { type Database, rows } from '../../../db/client.ts';
import { londonToday } from '../../../ui/format.ts';
import { verifyChain } from '../chain.ts';
import { type GeneratedTrust, generateTrust } from './generate.ts';
import { complianceList, complianceSummary, percent, TOP_MANAGERS, TREND_WEEKS } from './service.ts';

let database: Database;
let trust: GeneratedTrust;
const today = londonToday();

before(async () => {
  database = await freshDatabase();
  trust = await generateTrust(database.db, { schools: 3, people: 200, acknowledgements: 1000 });
});
after(() => database.close());

type Raw = {
  personId: string;
  policyId: string;
  status: string;
  current: boolean;
  signed: boolean;
  dueOn: string;
  assignedAt: string;
  signedAt: string | null;
  endDate: string | null;
  kind: string;
  managerId: string | null;
};

/** Everything the dashboard counts, read plainly and counted in JavaScript: the hand count. */
async function handCount(trustId: string) {
  const all = await rows<Raw>(
    database.db,
    sql`select a.person_id as "personId", a.policy_id as "policyId", v.status, (a.replaced_at is null and a.withdrawn_at is null) as current,
               a.acknowledgement_id is not null as signed, a.due_on::text as "dueOn", to_json(a.assigned_at)#>>'{}' as "assignedAt",
               to_json(a.signed_at)#>>'{}' as "signedAt", p.end_date::text as "endDate", p.kind, p.line_manager_id as "managerId"
        from assignments a join policy_versions v on v.trust_id = a.trust_id and v.id = a.version_id
        join people p on p.trust_id = a.trust_id and p.id = a.person_id where a.trust_id = ${trustId}`,
  );
  const schoolsOf = await rows<{ personId: string; schoolId: string }>(
    database.db,
    sql`select person_id as "personId", school_id as "schoolId" from person_schools where trust_id = ${trustId}`,
  );
  const rolesOf = await rows<{ personId: string; role: string }>(
    database.db,
    sql`select distinct person_id as "personId", role from role_assignments where trust_id = ${trustId} and revoked_at is null`,
  );
  const counted = all.filter((r) => r.current && r.status === 'published' && (r.endDate === null || r.endDate >= today));
  const tally = (list: Raw[]) => ({
    people: new Set(list.map((r) => r.personId)).size,
    assigned: list.length,
    signed: list.filter((r) => r.signed).length,
    overdue: list.filter((r) => !r.signed && r.dueOn < today).length,
  });
  const group = (keyOf: (r: Raw) => (string | null)[]) => {
    const groups = new Map<string | null, Raw[]>();
    for (const r of counted) for (const key of keyOf(r)) groups.set(key, [...(groups.get(key) ?? []), r]);
    return new Map([...groups].map(([k, list]) => [k, tally(list)]));
  };
  const schoolKeys = (r: Raw) => {
    const mine = schoolsOf.filter((s) => s.personId === r.personId).map((s) => s.schoolId);
    return mine.length ? mine : [null];
  };
  const roleKeys = (r: Raw) => {
    const mine = rolesOf.filter((x) => x.personId === r.personId).map((x) => x.role);
    return mine.length ? mine : [null];
  };
  return {
    counted,
    totals: tally(counted),
    bySchool: group(schoolKeys),
    byRole: group(roleKeys),
    byKind: group((r) => [r.kind]),
    byManager: group((r) => [r.managerId]),
  };
}

const four = (c: { people: number; assigned: number; signed: number; overdue: number }) => ({
  people: c.people,
  assigned: c.assigned,
  signed: c.signed,
  overdue: c.overdue,
});

describe('the generated trust', () => {
  test('has the size asked for, a valid hash chain and a chain head at its end', async () => {
    assert.equal(trust.schools, 3);
    assert.equal(trust.people, 200);
    assert.equal(trust.acknowledgements, 1000);
    const [count] = await rows<{ n: number }>(database.db, sql`select count(*)::int as n from acknowledgements where trust_id = ${trust.trustId}`);
    assert.equal(count?.n, 1000);
    const report = await verifyChain(database.db, trust.trustId);
    assert.equal(report.problem, null);
    assert.equal(report.checked, 1000);
    assert.equal(report.lastSeq, 1000);
  });

  test('is realistic: most signed, some outstanding and overdue, leavers, superseded versions, dates in the last year', async () => {
    const [facts] = await rows<{
      current: number;
      signed: number;
      overdue: number;
      notDue: number;
      replaced: number;
      leavers: number;
      managed: number;
      superseded: number;
      oldest: string;
      newest: string;
    }>(
      database.db,
      sql`select
        (select count(*)::int from assignments where trust_id = ${trust.trustId} and replaced_at is null) as current,
        (select count(*)::int from assignments where trust_id = ${trust.trustId} and replaced_at is null and acknowledgement_id is not null) as signed,
        (select count(*)::int from assignments where trust_id = ${trust.trustId} and replaced_at is null and acknowledgement_id is null and due_on < ${today}) as overdue,
        (select count(*)::int from assignments where trust_id = ${trust.trustId} and replaced_at is null and acknowledgement_id is null and due_on >= ${today}) as "notDue",
        (select count(*)::int from assignments where trust_id = ${trust.trustId} and replaced_at is not null) as replaced,
        (select count(*)::int from people where trust_id = ${trust.trustId} and end_date < ${today}) as leavers,
        (select count(*)::int from people where trust_id = ${trust.trustId} and line_manager_id is not null) as managed,
        (select count(*)::int from policy_versions where trust_id = ${trust.trustId} and status = 'superseded') as superseded,
        (select min(signed_at)::date::text from acknowledgements where trust_id = ${trust.trustId}) as oldest,
        (select max(signed_at)::date::text from acknowledgements where trust_id = ${trust.trustId}) as newest`,
    );
    assert.ok(facts);
    assert.ok(facts.signed > facts.current / 2, 'most current assignments are signed');
    assert.ok(facts.overdue > 0, 'some are overdue');
    assert.ok(facts.replaced > 0 && facts.superseded > 0, 'some versions were superseded and their assignments replaced');
    assert.ok(facts.leavers > 0, 'some people have left');
    assert.ok(facts.managed > 190, 'nearly everyone has a line manager');
    assert.ok(facts.oldest >= addYear(today, -1) && facts.newest <= today, `signatures within the last year: ${facts.oldest} to ${facts.newest}`);
  });

  test('the dashboard’s numbers match a hand count of the same rows', async () => {
    const hand = await handCount(trust.trustId);
    const summary = await complianceSummary(database.db, trust.trustId, { visibleSchoolIds: 'all' }, today);
    assert.ok(hand.totals.assigned > 0);
    assert.deepEqual(four(summary.totals), hand.totals);
    assert.equal(summary.totals.outstanding, hand.totals.assigned - hand.totals.signed);
    assert.equal(summary.totals.percentSigned, percent(hand.totals.signed, hand.totals.assigned));
    for (const [name, got, want] of [
      ['school', summary.bySchool, hand.bySchool],
      ['role', summary.byRole, hand.byRole],
      ['kind', summary.byKind, hand.byKind],
    ] as const) {
      assert.equal(got.length, want.size, `${name}: one row per group`);
      for (const row of got) assert.deepEqual(four(row), want.get(row.key), `${name} ${row.label}`);
    }
    const managers = [...hand.byManager].filter(([k]) => k !== null).sort((a, b) => b[1].assigned - b[1].signed - (a[1].assigned - a[1].signed));
    assert.equal(summary.byManager.length, Math.min(TOP_MANAGERS, managers.length));
    for (const row of summary.byManager) assert.deepEqual(four(row), hand.byManager.get(row.key), `manager ${row.label}`);
    // The top 20 are the 20 with most outstanding (ties aside).
    const cut = managers[summary.byManager.length - 1]?.[1];
    if (cut) for (const row of summary.byManager) assert.ok(row.outstanding >= cut.assigned - cut.signed);
  });

  test('the trend matches a hand count week by week, and its last week is today’s numbers', async () => {
    const hand = await handCount(trust.trustId);
    const summary = await complianceSummary(database.db, trust.trustId, { visibleSchoolIds: 'all' }, today);
    assert.equal(summary.trend.length, TREND_WEEKS);
    assert.equal(summary.trend.at(-1)?.weekEnd, today);
    for (const point of summary.trend) {
      // The end of the week's last day in London: the start of the next day there.
      const [end] = await rows<{ at: string }>(
        database.db,
        sql`select to_json((${point.weekEnd}::date + 1)::timestamp at time zone 'Europe/London')#>>'{}' as at`,
      );
      const endMs = Date.parse(end?.at as string);
      const assigned = hand.counted.filter((r) => Date.parse(r.assignedAt) < endMs);
      const signed = assigned.filter((r) => r.signedAt && Date.parse(r.signedAt) < endMs);
      assert.deepEqual([point.assigned, point.signed], [assigned.length, signed.length], `week ending ${point.weekEnd}`);
    }
    assert.equal(summary.trend.at(-1)?.assigned, hand.totals.assigned);
    assert.equal(summary.trend.at(-1)?.signed, hand.totals.signed);
    assert.ok((summary.trend[0]?.assigned ?? 0) <= (summary.trend.at(-1)?.assigned ?? 0));
  });

  test('the not-signed list pages through exactly the outstanding assignments', async () => {
    const hand = await handCount(trust.trustId);
    const outstanding = hand.totals.assigned - hand.totals.signed;
    const filter = { visibleSchoolIds: 'all' as const };
    const seen = new Set<string>();
    for (let offset = 0; offset < outstanding + 50; offset += 50) {
      const page = await complianceList(database.db, trust.trustId, filter, today, { status: 'outstanding', sort: 'name', dir: 'asc', limit: 50, offset });
      for (const r of page) {
        assert.equal(r.acknowledgementId, null);
        seen.add(r.assignmentId);
      }
    }
    assert.equal(seen.size, outstanding, 'every outstanding assignment once, none twice');
  });
});

function addYear(isoDate: string, years: number) {
  return `${Number(isoDate.slice(0, 4)) + years}${isoDate.slice(4)}`;
}
