import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { Agent, type TestApp, type TwoTrusts, twoTrusts } from '../../../test/app.ts';
import { actingAs, makePerson, systemCtx } from '../../../test/factories.ts';
import { publishedPolicy, publishNextVersion } from '../../../test/policies.ts';
import { verifyChain } from './chain.ts';
import { assignments } from './schema.ts';
import * as service from './service.ts';

let t: TestApp;
let cast: TwoTrusts['cast'];

before(async () => {
  ({ t, cast } = await twoTrusts());
});
after(() => t.close());

/** A service context acting as a person of the cast. */
const as = (person: { id: string; trustId: string }) =>
  actingAs(t.app.db, person, { baseUrl: 'http://localhost', ip: '203.0.113.9', userAgent: 'Test browser' });

const everyone = { audience: 'everyone', dueOn: '2099-01-31', reminderDaysBefore: '7, 1, 0', overdueEveryDays: '7' };

async function currentFor(personId: string, policyId: string) {
  const rows = await t.app.db
    .select()
    .from(assignments)
    .where(and(eq(assignments.trustId, cast.trust.id), eq(assignments.personId, personId), eq(assignments.policyId, policyId)));
  return rows.filter((a) => !a.replacedAt && !a.withdrawnAt);
}

describe('assigning, signing and re-signing (core)', () => {
  test('assign to everyone, sign, and a material version asks everyone again while a minor one carries signatures', async () => {
    const { policy, v1 } = await publishedPolicy(t.app.db, cast.trust.id);
    const admin = await as(cast.admin);
    const { assigned } = await service.createCampaign(admin, policy.id, everyone, '2026-11-23');
    assert.equal(assigned, 4, 'the four people of the cast');
    const [mine] = await currentFor(cast.teacherA.id, policy.id);
    assert.ok(mine);
    assert.equal(mine.versionId, v1.id);
    const teacher = await as(cast.teacherA);
    const ack = await service.signAssignment(teacher, mine.id, { typedName: '  tess   TEACHER ', position: 'Class teacher', statements: ['0', '1'] });
    assert.equal(ack.seq, 1);
    assert.equal(ack.authMethod, 'magic_link');
    assert.equal(ack.ip, '203.0.113.9');
    await assert.rejects(service.signAssignment(teacher, mine.id, { typedName: 'Tess Teacher', position: 'x', statements: ['0', '1'] }), /already signed/);

    // Minor: Tess's signature is carried; Bo still has to sign, by the same date.
    const v11 = await publishNextVersion(t.app.db, cast.trust.id, policy.id, 'V1.1', false);
    const [carried] = await currentFor(cast.teacherA.id, policy.id);
    assert.equal(carried?.versionId, v11.id);
    assert.equal(carried?.acknowledgementId, ack.id);
    const [boMinor] = await currentFor(cast.teacherB.id, policy.id);
    assert.equal(boMinor?.acknowledgementId, null);
    assert.equal(boMinor?.dueOn, '2099-01-31');

    // Material: everyone signs V2.0, Tess included.
    const v2 = await publishNextVersion(t.app.db, cast.trust.id, policy.id, 'V2.0', true);
    const [again] = await currentFor(cast.teacherA.id, policy.id);
    assert.equal(again?.versionId, v2.id);
    assert.equal(again?.source, 'resign');
    assert.equal(again?.acknowledgementId, null);
    await assert.rejects(service.signAssignment(teacher, mine.id, { typedName: 'Tess Teacher', position: 'x', statements: ['0', '1'] }), /already signed/);
    await assert.rejects(
      service.signAssignment(teacher, boMinor?.id as string, { typedName: 'Tess Teacher', position: 'x', statements: ['0', '1'] }),
      /someone else/,
    );
    const second = await service.signAssignment(teacher, again?.id as string, { typedName: 'Tess Teacher', position: 'Class teacher', statements: ['0', '1'] });
    assert.equal(second.seq, 2);
    assert.equal(second.prevHash, ack.hash);
    const report = await verifyChain(t.app.db, cast.trust.id);
    assert.equal(report.problem, null);
    assert.equal(report.checked, 2);
  });

  test('a typed name that does not match, or a statement left unticked, is refused with nothing recorded', async () => {
    const { policy } = await publishedPolicy(t.app.db, cast.trust.id);
    await service.createCampaign(await as(cast.admin), policy.id, everyone, '2026-11-23');
    const [mine] = await currentFor(cast.teacherB.id, policy.id);
    const bo = await as(cast.teacherB);
    await assert.rejects(service.signAssignment(bo, mine?.id as string, { typedName: 'B Teacher', position: 'Teacher', statements: ['0'] }), (e: unknown) => {
      const fields = (e as { fieldErrors: Record<string, string> }).fieldErrors;
      assert.match(fields.typedName ?? '', /Bo Teacher/);
      assert.match(fields['statement-1'] ?? '', /Tick each statement/);
      return true;
    });
    // A blank name alone: ticked statements stay ticked (no statement errors).
    await assert.rejects(service.signAssignment(bo, mine?.id as string, { typedName: '', position: 'Teacher', statements: ['0', '1'] }), (e: unknown) => {
      const fields = (e as { fieldErrors: Record<string, string> }).fieldErrors;
      assert.deepEqual(Object.keys(fields), ['typedName']);
      return true;
    });
    const [still] = await currentFor(cast.teacherB.id, policy.id);
    assert.equal(still?.acknowledgementId, null);
  });

  test('onboarding assigns new people in the audience, due N days after they start', async () => {
    const { policy } = await publishedPolicy(t.app.db, cast.trust.id);
    await service.createCampaign(
      await as(cast.admin),
      policy.id,
      { ...everyone, audience: 'filtered', schoolIds: cast.schoolA.id, onboarding: 'yes', onboardingDays: '14' },
      '2026-11-23',
    );
    const starter = await makePerson(t.app.db, cast.trust.id, { name: 'New Starter', schoolIds: [cast.schoolA.id], startDate: '2026-12-01' });
    const elsewhere = await makePerson(t.app.db, cast.trust.id, { name: 'Other School', schoolIds: [cast.schoolB.id] });
    const first = await service.syncOnboarding(t.app.db, '2026-11-23', cast.trust.id);
    assert.equal(first.assigned, 1);
    assert.equal((await service.syncOnboarding(t.app.db, '2026-11-23', cast.trust.id)).assigned, 0, 'idempotent');
    const [a] = await currentFor(starter.id, policy.id);
    assert.equal(a?.dueOn, '2026-12-15');
    assert.equal(a?.source, 'onboarding');
    assert.equal((await currentFor(elsewhere.id, policy.id)).length, 0);
    void Agent;
    void systemCtx;
  });
});
