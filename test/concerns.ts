import type { Db } from '../src/db/client.ts';
import { type NewConcern, reportConcern } from '../src/modules/concerns/service.ts';
import type { ConcernTypeCode } from '../src/modules/concerns/types.ts';
import { makePerson, type makeTrustWithCast, type PersonSpec, systemCtx } from './factories.ts';

/**
 * The usual cast plus everyone concerns are routed to: at School A a DSL, a deputy DSL, a DPL,
 * IT services, a deputy head and an SLT member; for the trust a DSL, the DPO, IT services and an
 * HR lead. Teacher A's line manager is Head A (from the cast).
 */
export async function concernCast(db: Db, base: Awaited<ReturnType<typeof makeTrustWithCast>>) {
  const { trust, schoolA } = base;
  const at = (name: string, email: string, roles: PersonSpec['roles'], schoolIds = [schoolA.id]) =>
    makePerson(db, trust.id, { name, email: `${email}@${trust.slug}.example`, schoolIds, roles });
  return {
    ...base,
    dslA: await at('Dee Dsl', 'dsl.a', [['dsl', schoolA.id]]),
    deputyDslA: await at('Dev Deputy-Dsl', 'ddsl.a', [['deputy_dsl', schoolA.id]]),
    dplA: await at('Dot Dpl', 'dpl.a', [['dpl', schoolA.id]]),
    itA: await at('Ivy It', 'it.a', [['it_services', schoolA.id]]),
    deputyHeadA: await at('Dan Deputy', 'deputy.a', [['deputy_head', schoolA.id]]),
    sltA: await at('Sam Slt', 'slt.a', [['slt', schoolA.id]]),
    trustDsl: await at('Tara Trust-Dsl', 'dsl.trust', [['dsl', 'trust']], []),
    dpo: await at('Dora Dpo', 'dpo', [['dpo', 'trust']], []),
    trustIt: await at('Ian Trust-It', 'it.trust', [['it_services', 'trust']], []),
    hrLead: await at('Hana Hr', 'hr', [['hr_lead', 'trust']], []),
  };
}
export type ConcernCast = Awaited<ReturnType<typeof concernCast>>;

/** A concern of a type reported by someone, through the real service (defaults fill what the type needs). */
export async function reportAs(db: Db, trustId: string, reporterId: string, type: ConcernTypeCode, extra: Partial<NewConcern> = {}, now = new Date()) {
  const input: NewConcern = {
    type,
    what: `Something to report (${type})`,
    occurredAt: new Date(now.getTime() - 3_600_000),
    people: [],
    ...(type === 'data_breach' ? { breach: { discoveredAt: new Date(now.getTime() - 1_800_000), dataInvolved: 'Names and dates of birth' } } : {}),
    ...(type === 'device_lost' ? { device: { kind: 'lost' as const, deviceDescription: 'Grey laptop', heldPersonalData: 'no' as const } } : {}),
    ...extra,
  };
  return reportConcern({ ...systemCtx(db, trustId) }, input, [], { reporterId, now });
}
