import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../test/app.ts';
import { makeTrustWithCast, systemCtx } from '../../../test/factories.ts';
import type { Db } from '../../db/client.ts';
import { type AssetType, assets, type LoanStatus, loanAgreementVersions, loanItems, loans } from '../assets/schema.ts';
import { createApiKey } from '../auth/api-keys.ts';
import { ApiLoan, ApiLoansPage } from './loans.ts';
import { ApiError } from './openapi.ts';

// The loans service is written alongside this endpoint, so the rows are made here, directly.

const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

let tags = 0;
async function asset(db: Db, trustId: string, spec: { type?: AssetType; schoolId?: string | null } = {}) {
  tags += 1;
  const tag = `AT-${String(tags).padStart(4, '0')}`;
  const [row] = await db
    .insert(assets)
    .values({
      trustId,
      tag,
      serial: `SN${tags}X`,
      type: spec.type ?? 'laptop',
      make: 'Dell',
      model: 'Latitude 3440',
      schoolId: spec.schoolId ?? null,
      status: 'on_loan',
    })
    .returning();
  if (!row) throw new Error('asset not inserted');
  return row;
}

const agreements = new Map<string, string>();
async function agreementOf(db: Db, trustId: string) {
  const known = agreements.get(trustId);
  if (known) return known;
  const [row] = await db
    .insert(loanAgreementVersions)
    .values({ trustId, label: 'V1', text: 'Look after it.', contentSha256: 'b'.repeat(64) })
    .returning();
  if (!row) throw new Error('agreement not inserted');
  agreements.set(trustId, row.id);
  return row.id;
}

let loanNumber = 0;
async function loan(
  db: Db,
  trustId: string,
  spec: { personId: string; schoolId?: string | null; status: LoanStatus; devices?: number; issuedAt?: Date; returnRequestedAt?: Date; reference?: string },
) {
  loanNumber += 1;
  const requested = spec.returnRequestedAt;
  const [row] = await db
    .insert(loans)
    .values({
      trustId,
      reference: spec.reference ?? `L-2026-${String(loanNumber).padStart(4, '0')}`,
      personId: spec.personId,
      schoolId: spec.schoolId ?? null,
      status: spec.status,
      agreementVersionId: await agreementOf(db, trustId),
      issuedAt: spec.issuedAt ?? ago(20 * 24 * HOUR - loanNumber * 60_000),
      signedAt: spec.status === 'awaiting_signature' || spec.status === 'cancelled' ? null : ago(19 * 24 * HOUR),
      returnRequestedAt: requested ?? null,
      returnDueAt: requested ? new Date(requested.getTime() + 72 * HOUR) : null,
      returnedAt: spec.status === 'returned' ? ago(HOUR) : null,
    })
    .returning();
  if (!row) throw new Error('loan not inserted');
  const items = [];
  for (let i = 0; i < (spec.devices ?? 1); i++) {
    const device = await asset(db, trustId, { schoolId: spec.schoolId, type: i === 0 ? 'laptop' : 'tablet' });
    const returned = spec.status === 'returned';
    await db.insert(loanItems).values({
      trustId,
      loanId: row.id,
      assetId: device.id,
      accessories: ['Charger', 'Case'],
      returnedAt: returned ? ago(HOUR) : null,
      condition: returned ? 'good' : null,
      accessoriesMissing: returned ? ['Case'] : null,
    });
    items.push(device);
  }
  return { loan: row, items };
}

let t: TestApp;
let castA: Awaited<ReturnType<typeof makeTrustWithCast>>;
let castB: Awaited<ReturnType<typeof makeTrustWithCast>>;
let keyA: string;
let keyB: string;
let peopleKey: string;
let made: Record<'overdue' | 'dueSoon' | 'active' | 'unsigned' | 'returned' | 'otherTrust', Awaited<ReturnType<typeof loan>>>;

const newKey = async (trustId: string, scopes: string[]) => (await createApiKey(systemCtx(t.app.db, trustId), { name: `Key ${scopes.join(' ')}`, scopes })).key;

before(async () => {
  t = await createTestApp();
  const db = t.app.db;
  castA = await makeTrustWithCast(db);
  castB = await makeTrustWithCast(db);
  keyA = await newKey(castA.trust.id, ['assets:read']);
  keyB = await newKey(castB.trust.id, ['assets:read']);
  peopleKey = await newKey(castA.trust.id, ['people:read', 'assets:write']);
  const A = castA.trust.id;
  made = {
    overdue: await loan(db, A, {
      personId: castA.teacherA.id,
      schoolId: castA.schoolA.id,
      status: 'return_requested',
      devices: 2,
      returnRequestedAt: ago(75 * HOUR),
    }),
    dueSoon: await loan(db, A, { personId: castA.teacherA.id, schoolId: castA.schoolA.id, status: 'return_requested', returnRequestedAt: ago(60 * HOUR) }),
    active: await loan(db, A, { personId: castA.teacherB.id, schoolId: castA.schoolB.id, status: 'active' }),
    unsigned: await loan(db, A, { personId: castA.headA.id, schoolId: castA.schoolA.id, status: 'awaiting_signature' }),
    returned: await loan(db, A, { personId: castA.teacherA.id, status: 'returned', returnRequestedAt: ago(100 * HOUR) }),
    otherTrust: await loan(db, castB.trust.id, {
      personId: castB.teacherA.id,
      schoolId: castB.schoolA.id,
      status: 'return_requested',
      returnRequestedAt: ago(200 * HOUR),
      reference: 'L-2026-0001',
    }),
  };
});
after(() => t.close());

const call = (url: string, key?: string) => t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: key ? { authorization: `Bearer ${key}` } : {} });
const page = async (url: string, key = keyA) => {
  const res = await call(url, key);
  assert.equal(res.statusCode, 200, res.body);
  return ApiLoansPage.parse(JSON.parse(res.body));
};
const errorOf = (body: string) => ApiError.parse(JSON.parse(body)).error;
const refs = (data: { reference: string }[]) => data.map((l) => l.reference).sort();

describe('GET /api/v1/loans', () => {
  test('without a key: 401; a key without assets:read: 403', async () => {
    const none = await call('/loans');
    assert.equal(none.statusCode, 401);
    assert.match(none.headers['www-authenticate'] as string, /^Bearer/);
    const wrong = await call('/loans', peopleKey);
    assert.equal(wrong.statusCode, 403);
    assert.match(errorOf(wrong.body).message, /assets:read/);
  });

  test('every loan of the trust, in the documented shape, with its devices', async () => {
    const res = await call('/loans', keyA);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = ApiLoansPage.parse(JSON.parse(res.body));
    assert.deepEqual(
      refs(body.data),
      refs(
        Object.values(made)
          .slice(0, 5)
          .map((m) => m.loan),
      ),
    );
    assert.equal(body.nextCursor, null);
    const keys = Object.keys(ApiLoan.shape).sort();
    for (const l of JSON.parse(res.body).data) assert.deepEqual(Object.keys(l).sort(), keys, 'exactly the documented fields');

    const overdue = body.data.find((l) => l.id === made.overdue.loan.id);
    const requestedAt = made.overdue.loan.returnRequestedAt as Date;
    assert.deepEqual(overdue, {
      id: made.overdue.loan.id,
      reference: made.overdue.loan.reference,
      status: 'return_requested',
      person: { id: castA.teacherA.id, fullName: 'Tess Teacher', email: castA.teacherA.email },
      school: { slug: 'school-a', name: 'School A' },
      issuedAt: made.overdue.loan.issuedAt.toISOString(),
      signedAt: (made.overdue.loan.signedAt as Date).toISOString(),
      returnRequestedAt: requestedAt.toISOString(),
      returnDueAt: new Date(requestedAt.getTime() + 72 * HOUR).toISOString(),
      overdue: true,
      items: made.overdue.items.map((a) => ({
        tag: a.tag,
        serial: a.serial,
        type: a.type,
        make: 'Dell',
        model: 'Latitude 3440',
        accessories: ['Charger', 'Case'],
        returnedAt: null,
        condition: null,
        accessoriesMissing: null,
      })),
    });
    const returned = body.data.find((l) => l.id === made.returned.loan.id);
    assert.equal(returned?.school, null, 'a central-team loan has no school');
    assert.equal(returned?.overdue, false, 'a returned loan is never overdue');
    assert.equal(returned?.items[0]?.condition, 'good');
    assert.deepEqual(returned?.items[0]?.accessoriesMissing, ['Case']);
    assert.equal(body.data.find((l) => l.id === made.dueSoon.loan.id)?.overdue, false, 'due in 12 hours is not overdue');
  });

  test('overdue=true gives only returns past their 72 hours; overdue=false every other loan', async () => {
    const overdue = await page('/loans?overdue=true');
    assert.deepEqual(refs(overdue.data), [made.overdue.loan.reference]);
    assert.ok(overdue.data.every((l) => l.overdue));
    const rest = await page('/loans?overdue=false');
    assert.deepEqual(refs(rest.data), refs([made.dueSoon.loan, made.active.loan, made.unsigned.loan, made.returned.loan]));
    assert.ok(rest.data.every((l) => !l.overdue));
  });

  test('status and person narrow the list', async () => {
    assert.deepEqual(refs((await page('/loans?status=return_requested')).data), refs([made.overdue.loan, made.dueSoon.loan]));
    assert.deepEqual(refs((await page('/loans?status=awaiting_signature')).data), [made.unsigned.loan.reference]);
    assert.deepEqual(refs((await page(`/loans?person=${castA.teacherA.id}`)).data), refs([made.overdue.loan, made.dueSoon.loan, made.returned.loan]));
    assert.deepEqual(refs((await page(`/loans?person=${castA.teacherA.id}&overdue=true`)).data), [made.overdue.loan.reference]);
    assert.deepEqual((await page(`/loans?person=${castB.teacherA.id}`)).data, [], 'another trust’s person has no loans here');
  });

  test('a key of one trust never sees another trust’s loans', async () => {
    const a = await page('/loans?overdue=true', keyA);
    const b = await page('/loans', keyB);
    assert.deepEqual(
      b.data.map((l) => l.id),
      [made.otherTrust.loan.id],
    );
    assert.ok(!a.data.some((l) => l.id === made.otherTrust.loan.id));
    assert.ok(!(await page('/loans?status=return_requested')).data.some((l) => l.person.id === castB.teacherA.id));
  });

  test('paging through 23 loans 10 at a time: 10, 10, 3, in the order issued, no loan twice', async () => {
    const db = t.app.db;
    const cast = await makeTrustWithCast(db);
    const issued = new Date('2026-01-05T09:00:00Z');
    // Five share one issue time, so the id must keep pages apart; the database keeps microseconds,
    // which a cursor must keep too.
    for (let i = 0; i < 23; i++)
      await loan(db, cast.trust.id, { personId: cast.teacherA.id, status: 'active', issuedAt: i < 5 ? issued : new Date(issued.getTime() + i * HOUR) });
    await db.execute(sql`update loans set issued_at = issued_at + interval '123 microseconds' where trust_id = ${cast.trust.id}`);
    const key = await newKey(cast.trust.id, ['assets:read']);
    const sizes: number[] = [];
    const seen: { id: string; issuedAt: string }[] = [];
    let cursor: string | null = null;
    do {
      const body: { data: { id: string; issuedAt: string }[]; nextCursor: string | null } = await page(
        `/loans?limit=10${cursor ? `&cursor=${cursor}` : ''}`,
        key,
      );
      sizes.push(body.data.length);
      seen.push(...body.data);
      cursor = body.nextCursor;
      assert.ok(sizes.length < 5, 'paging ends');
    } while (cursor);
    assert.deepEqual(sizes, [10, 10, 3]);
    assert.equal(new Set(seen.map((l) => l.id)).size, 23, 'every loan once');
    const times = seen.map((l) => l.issuedAt);
    assert.deepEqual(times, [...times].sort(), 'in the order issued');
    assert.equal((await page('/loans', key)).data.length, 23, 'the default page is 50');
  });

  test('bad parameters answer 400 with a message naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['overdue=yes', /^overdue must be true or false/],
      ['status=lent', /^status must be one of awaiting_signature/],
      ['person=42', /^person must be a person’s id/],
      ['limit=0', /^limit must be a whole number from 1 to 200/],
      ['limit=201', /^limit/],
      ['cursor=nonsense', /^cursor is not valid/],
      [`cursor=${Buffer.from(JSON.stringify(['2026-01-01', 'x'])).toString('base64url')}`, /^cursor/],
    ];
    for (const [query, message] of cases) {
      const res = await call(`/loans?${query}`, keyA);
      assert.equal(res.statusCode, 400, query);
      assert.match(errorOf(res.body).message, message, query);
    }
  });
});

describe('openapi.json', () => {
  test('describes GET /loans with its scope, parameters and the Loan schema', async () => {
    const doc = JSON.parse((await call('/openapi.json')).body);
    const list = doc.paths['/loans']?.get;
    assert.ok(list, 'the path is described');
    assert.deepEqual(list.security, [{ apiKey: ['assets:read'] }]);
    assert.deepEqual(
      list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`),
      ['query:limit', 'query:cursor', 'query:overdue', 'query:status', 'query:person'],
    );
    assert.deepEqual(list.parameters[2].schema.enum, ['true', 'false']);
    assert.deepEqual(Object.keys(list.responses), ['200', '400', '401', '403']);
    assert.equal(list.responses['200'].content['application/json'].schema.$ref, '#/components/schemas/LoansPage');
    assert.deepEqual(Object.keys(doc.components.schemas.Loan.properties).sort(), Object.keys(ApiLoan.shape).sort());
    assert.equal(doc.components.schemas.Loan.properties.items.items.$ref, '#/components/schemas/LoanItem');
  });
});
