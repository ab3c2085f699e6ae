import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freshDatabase } from '../../../../test/db.ts';
import { makeTrustWithCast } from '../../../../test/factories.ts';
import { type MonitoringCast, makeAlert, monitoringCast } from '../../../../test/monitoring.ts';
import type { Database } from '../../../db/client.ts';
import { loadPersonActor } from '../../auth/service.ts';
import { alerts } from '../schema.ts';
import { alertRecipients, audienceFor, canOpenAlert, visibleAlertsWhere } from './audience.ts';

/** Who an alert is for: the school's DSL team and the trust's; staff alerts to the head teacher when the trust says so; never the subject. */
describe('alert audience', () => {
  let database: Database;
  let cast: MonitoringCast;
  before(async () => {
    database = await freshDatabase();
    cast = await monitoringCast(database.db, await makeTrustWithCast(database.db));
  });
  after(() => database.close());

  const actor = (p: { id: string }) => loadPersonActor(database.db, cast.trust.id, p.id);
  const visibleIds = async (p: { id: string }) =>
    (
      await database.db
        .select({ id: alerts.id })
        .from(alerts)
        .where(visibleAlertsWhere(await actor(p)))
    ).map((r) => r.id);

  test('an alert at School A is for its DSL team and the trust DSL, nobody else', async () => {
    const alert = await makeAlert(database.db, cast, { personId: null, username: 'pupil.one' });
    for (const who of [cast.dslA, cast.deputyDslA, cast.trustDsl]) {
      assert.ok(canOpenAlert(await actor(who), alert), who.fullName);
      assert.ok((await visibleIds(who)).includes(alert.id), who.fullName);
    }
    for (const who of [cast.headA, cast.teacherA, cast.teacherB, cast.itA, cast.admin, cast.dpo, cast.hrLead]) {
      assert.equal(canOpenAlert(await actor(who), alert), false, who.fullName);
      assert.ok(!(await visibleIds(who)).includes(alert.id), who.fullName);
    }
    const emailed = (await alertRecipients(database.db, alert)).map((r) => r.personId).sort();
    assert.deepEqual(emailed, [cast.dslA.id, cast.deputyDslA.id, cast.trustDsl.id].sort());
  });

  test('a staff alert goes to the head teacher and HR lead when the trust says so; never to the person it is about', async () => {
    assert.equal(audienceFor(cast.teacherA.id, true), 'head_teacher');
    assert.equal(audienceFor(cast.teacherA.id, false), 'dsl');
    assert.equal(audienceFor(null, true), 'dsl');
    const alert = await makeAlert(database.db, cast, { personId: cast.teacherA.id, audience: 'head_teacher' });
    assert.ok(canOpenAlert(await actor(cast.headA), alert));
    assert.ok(canOpenAlert(await actor(cast.hrLead), alert));
    assert.equal(canOpenAlert(await actor(cast.dslA), alert), false);
    assert.ok(!(await visibleIds(cast.dslA)).includes(alert.id));
    const aboutDsl = await makeAlert(database.db, cast, { personId: cast.dslA.id });
    assert.equal(canOpenAlert(await actor(cast.dslA), aboutDsl), false);
    assert.ok(!(await visibleIds(cast.dslA)).includes(aboutDsl.id));
    assert.ok(canOpenAlert(await actor(cast.deputyDslA), aboutDsl));
    assert.ok(!(await alertRecipients(database.db, aboutDsl)).some((r) => r.personId === cast.dslA.id));
  });
});
