import { and, eq } from 'drizzle-orm';
import type { Ctx } from '../../src/context.ts';
import type { Db } from '../../src/db/client.ts';
import { loadPersonActor } from '../../src/modules/auth/service.ts';
import { correctDiscovery, recordDecision, recordIcoReport, recordIndividualsTold } from '../../src/modules/concerns/breaches/service.ts';
import { addAction, addNote, assignConcern, moveStatus } from '../../src/modules/concerns/record/service.ts';
import { type NewConcern, reportConcern } from '../../src/modules/concerns/service.ts';
import type { ConcernTypeCode } from '../../src/modules/concerns/types.ts';
import { addAction as addPlanItem, addTrainingNeed, createRecord, markActionDone } from '../../src/modules/noncompliance/service.ts';
import { people, schools } from '../../src/modules/organisations/schema.ts';
import { policies, policyVersions } from '../../src/modules/policies/schema.ts';
import { londonTime, londonToday } from '../../src/ui/format.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY = 24 * HOUR;

/**
 * Concerns of every type in several states, made through the real services as the people who
 * would make them, at times in the past: a data breach whose ICO clock is running, a breach closed
 * as not reportable with reasons, a stolen laptop, a lost tablet that opened a reported breach,
 * and a non-compliance record with an action plan.
 */
export async function seedDemoConcerns(db: Db, trustId: string, now = new Date()) {
  const byName = new Map(
    (await db.select({ id: people.id, name: people.fullName, email: people.email }).from(people).where(eq(people.trustId, trustId))).map((p) => [p.name, p]),
  );
  const schoolId = new Map(
    (await db.select({ id: schools.id, slug: schools.slug }).from(schools).where(eq(schools.trustId, trustId))).map((s) => [s.slug, s.id]),
  );
  const as = async (name: string): Promise<Ctx> => {
    const person = byName.get(name);
    if (!person) throw new Error(`demo concerns: no ${name}`);
    return {
      db,
      actor: await loadPersonActor(db, trustId, person.id),
      baseUrl: '',
      ip: '10.20.1.14',
      userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)',
    };
  };
  const email = (name: string) => byName.get(name)?.email as string;
  const ago = (ms: number) => new Date(now.getTime() - ms);

  const report = async (who: string, school: string, type: ConcernTypeCode, daysAgo: number, fields: Partial<NewConcern> & { what: string }) => {
    const at = ago(daysAgo * DAY);
    const input: NewConcern = { type, occurredAt: new Date(at.getTime() - 2 * HOUR), people: [], schoolId: schoolId.get(school), ...fields };
    return reportConcern(await as(who), input, [], { now: at });
  };
  const step = async (who: string, reference: string, daysAgo: number, ...moves: Record<string, string>[]) => {
    const ctx = await as(who);
    let t = daysAgo * DAY;
    for (const move of moves) {
      t -= HOUR;
      await moveStatus(ctx, reference, move, ago(t));
    }
  };

  // Safeguarding at Oakfield Primary: in progress with an action, and two closed with their reasons.
  const harmful = await report('Zara Ahmed', 'oakfield-primary', 'harmful_content', 5, {
    what: 'During a Year 4 research lesson a pupil showed the group a video of a violent fight on a tablet. The video came from a link shared in a class group chat outside school.',
    location: 'Year 4 classroom, Oakfield Primary',
    othersInvolved: 'Pupils at the table: Leo Grant and Maisie Doyle (Year 4)',
  });
  await step('Priya Shah', harmful.reference, 5, { to: 'acknowledged' }, { to: 'in_progress' });
  await addNote(
    await as('Priya Shah'),
    harmful.reference,
    { note: 'Spoke with both pupils and rang the parents of the pupil who shared the link. Parents supportive.' },
    ago(4 * DAY),
  );
  await addAction(
    await as('Priya Shah'),
    harmful.reference,
    {
      text: 'Online safety session for Year 4 on sharing videos',
      owner: byName.get('Priya Shah')?.id as string,
      dueOn: londonToday(new Date(now.getTime() + 6 * DAY)),
    },
    ago(4 * DAY),
  );

  const contact = await report('Ellie Ward', 'oakfield-primary', 'pupil_contact', 20, {
    what: 'A Year 6 pupil told me an adult she met in an online game asked her to move to a private messaging app and send photos.',
    location: 'Library, Oakfield Primary',
    othersInvolved: 'Pupil: Amelia Stone (Year 6)',
  });
  await step('Priya Shah', contact.reference, 20, { to: 'acknowledged' }, { to: 'in_progress' });
  await moveStatus(
    await as('Priya Shah'),
    contact.reference,
    {
      to: 'closed',
      outcome: 'referred_children_social_care',
      rationale:
        'Risk of online grooming. Referred to the local authority front door the same day (reference FD-88213) and to CEOP; parents informed with the agreement of children’s social care.',
    },
    ago(19 * DAY),
  );

  const remote = await report('Zara Ahmed', 'oakfield-primary', 'home_learning', 30, {
    what: 'During a live catch-up lesson an unknown account joined and typed offensive words in the chat before I removed it.',
    location: 'Online lesson (Teams)',
  });
  await step('Martin Cole', remote.reference, 30, { to: 'acknowledged' }, { to: 'in_progress' });
  await moveStatus(
    await as('Martin Cole'),
    remote.reference,
    {
      to: 'closed',
      outcome: 'no_further_action',
      rationale:
        'The account was a pupil from another class using a sibling’s login; no adult was involved and no child was at risk. Not referred: handled through the behaviour policy, meeting links now set to lobby only.',
    },
    ago(28 * DAY),
  );

  // Brookside Academy and Hollins Park: new and acknowledged safeguarding reports.
  await report('Ava Robinson', 'brookside-academy', 'cyberbullying', 2, {
    what: 'A Year 9 pupil showed me messages from classmates in a group chat calling her names and sharing an edited photo of her.',
    location: 'Form room B12',
    othersInvolved: 'Pupil: Harriet Cole (Year 9)',
  });
  const illegal = await report('Ben Hartley', 'hollins-park', 'illegal_content', 1, {
    what: 'A pupil told me there are indecent images on a phone being passed around Year 10. I have not looked at the phone; it is with the pupil’s head of year in the office safe.',
    location: 'Hollins Park, Year 10 corridor',
  });
  await step('Gareth Lewis', illegal.reference, 1, { to: 'acknowledged' });
  await assignConcern(await as('Gareth Lewis'), illegal.reference, { assignee: byName.get('Gareth Lewis')?.id as string }, ago(DAY - 2 * HOUR));

  // A data breach whose ICO clock is running (found out 30 hours ago, no decision yet).
  const running = await report('Zara Ahmed', 'oakfield-primary', 'data_breach', 30 / 24, {
    what: 'I emailed the Year 4 reading assessment spreadsheet to a parent instead of the SENCo. It has 28 pupils’ names, dates of birth and reading ages.',
    breach: { discoveredAt: ago(30 * HOUR), dataInvolved: 'Names, dates of birth and reading ages of 28 pupils', peopleAffected: 28 },
  });
  await step('Sarah Lindqvist', running.reference, 29 / 24, { to: 'acknowledged' });

  // A breach closed as not reportable, with reasons.
  const closed = await report('Ellie Ward', 'oakfield-primary', 'data_breach', 12, {
    what: 'A class list with pupils’ names and allergy notes was left on the staff room printer and found by a visiting supply teacher.',
    breach: { discoveredAt: ago(12 * DAY), dataInvolved: 'Names and allergy notes of 30 pupils', peopleAffected: 30 },
  });
  const dpo = await as('Tom Fletcher');
  await moveStatus(dpo, closed.reference, { to: 'acknowledged' }, ago(12 * DAY - 3 * HOUR));
  await recordDecision(
    dpo,
    closed.reference,
    {
      decision: 'not_reportable',
      reasons:
        'Seen only by a DBS-checked supply teacher working at the school, who returned it at once; no copy was taken; the risk to the pupils’ rights and freedoms is unlikely. Recorded in the breach register; printing now needs a card at the printer.',
    },
    ago(12 * DAY - 4 * HOUR),
  );
  await recordIndividualsTold(
    dpo,
    closed.reference,
    { told: 'no', note: 'Not required: no likely high risk to the pupils (Art. 34).' },
    ago(12 * DAY - 4 * HOUR),
  );
  await moveStatus(dpo, closed.reference, { to: 'in_progress' }, ago(11 * DAY));
  await moveStatus(
    dpo,
    closed.reference,
    {
      to: 'closed',
      outcome: 'resolved_in_school',
      rationale: 'Not reportable to the ICO (reasons in the decision). Secure print release switched on for the staff room printer.',
    },
    ago(10 * DAY),
  );

  // Lost and stolen devices: a stolen laptop (no personal data) and a lost tablet that opened a reported breach.
  const stolen = await report('Martin Cole', 'oakfield-primary', 'device_lost', 6, {
    what: 'My school laptop was stolen from my car outside my home overnight. The car was broken into.',
    device: {
      kind: 'stolen',
      crimeReference: 'CR/2026/114523',
      assetReference: 'OPS-LT-0142',
      deviceDescription: 'Dell Latitude laptop, grey',
      heldPersonalData: 'no',
    },
  });
  await step('Kwame Mensah', stolen.reference, 6, { to: 'acknowledged' }, { to: 'in_progress' });
  await addNote(
    await as('Kwame Mensah'),
    stolen.reference,
    { note: 'Laptop is encrypted (BitLocker). Device wiped remotely and account passwords reset.' },
    ago(5 * DAY),
  );
  const tablet = await report('Rachel Bennett', 'brookside-academy', 'device_lost', 9, {
    what: 'An iPad used for Year 7 SEN support was left on a bus after a school trip and has not been handed in.',
    device: { kind: 'lost', assetReference: 'BA-IP-0031', deviceDescription: 'iPad, blue case', heldPersonalData: 'yes' },
  });
  if (tablet.breach) {
    await moveStatus(dpo, tablet.breach.reference, { to: 'acknowledged' }, ago(9 * DAY - HOUR));
    await moveStatus(dpo, tablet.breach.reference, { to: 'in_progress' }, ago(8 * DAY + HOUR));
    await recordDecision(
      dpo,
      tablet.breach.reference,
      {
        decision: 'reportable',
        reasons: 'The iPad held SEN support notes for 6 pupils and its passcode was written on the case: a likely risk to the pupils.',
      },
      ago(8 * DAY + 40 * MINUTE),
    );
    await recordIcoReport(
      dpo,
      tablet.breach.reference,
      // Reported ten minutes before it was recorded, whatever the time of day the demo is made.
      { icoReference: 'IC-341877-K9Q2', reportedOn: londonToday(ago(8 * DAY + 10 * MINUTE)), reportedTime: londonTime(ago(8 * DAY + 10 * MINUTE)) },
      ago(8 * DAY),
    );
    await recordIndividualsTold(dpo, tablet.breach.reference, { told: 'yes', toldOn: londonToday(ago(7 * DAY)) }, ago(7 * DAY));
    await correctDiscovery(
      dpo,
      tablet.breach.reference,
      {
        discoveredOn: londonToday(ago(9 * DAY + HOUR)),
        discoveredTime: londonTime(ago(9 * DAY + HOUR)),
        reason: 'The head of year noticed it missing on the bus an hour before the report was made.',
      },
      ago(7 * DAY),
    );
  }

  // IT and leaders: phishing, a filtering failure, a broken projector.
  const phishing = await report('Nadia Haddad', 'hollins-park', 'cyber_security', 3, {
    what: 'I clicked a link in an email that looked like a Microsoft sign-in page and typed my password before I noticed the address was wrong.',
  });
  await step('Kwame Mensah', phishing.reference, 3, { to: 'acknowledged' });
  const filtering = await report('Priya Shah', 'oakfield-primary', 'safeguard_failure', 4, {
    what: 'Gambling sites open on the Year 6 laptops when they connect through the guest Wi-Fi: the filtering does not apply there.',
    location: 'Year 6 classroom',
  });
  await step('Kwame Mensah', filtering.reference, 4, { to: 'acknowledged' }, { to: 'in_progress' });
  await addAction(
    await as('Kwame Mensah'),
    filtering.reference,
    {
      text: 'Apply the filtering policy to the guest network and test it',
      owner: byName.get('Kwame Mensah')?.id as string,
      dueOn: londonToday(new Date(now.getTime() + 2 * DAY)),
    },
    ago(3 * DAY),
  );
  await report('Ellie Ward', 'oakfield-primary', 'damage_fault', 0.2, {
    what: 'The projector in Year 4 flickers and turns itself off after ten minutes.',
    location: 'Year 4 classroom',
  });

  // A report about a member of staff: goes to the line manager (or deputy head), open only to them, the head and HR.
  await report('Imran Qureshi', 'brookside-academy', 'staff_conduct', 1, {
    what: 'A colleague has been using a personal phone to photograph pupils’ work with pupils’ faces visible and posting them to a personal social media account.',
    people: [{ ref: email('Ava Robinson'), part: 'subject', field: 'person1' }],
  });

  // Non-compliance: the printer breach as its source, with an action plan and a training need.
  const [aup] = await db
    .select({ versionId: policyVersions.id })
    .from(policies)
    .innerJoin(
      policyVersions,
      and(eq(policyVersions.trustId, policies.trustId), eq(policyVersions.policyId, policies.id), eq(policyVersions.status, 'published')),
    )
    .where(and(eq(policies.trustId, trustId), eq(policies.title, 'Staff ICT Acceptable Use Agreement')));
  if (aup) {
    // Recorded by the DPO, who can open the breach it came from; the head teacher is told.
    const record = await createRecord(dpo, {
      school: schoolId.get('oakfield-primary'),
      person: email('Ellie Ward'),
      clause: `${aup.versionId}:a:2`,
      severity: 'medium',
      summary: 'A class list with personal data was printed and left unattended on a shared printer (see the breach report).',
      reviewOn: londonToday(new Date(now.getTime() + 21 * DAY)),
      actionText: 'Refresher on handling printed personal data',
      actionOwner: email('Sarah Lindqvist'),
      actionDueOn: londonToday(new Date(now.getTime() + 10 * DAY)),
      concern: closed.reference,
    });
    await addPlanItem(dpo, record.id, {
      actionText: 'Switch on secure print release in the staff room',
      actionOwner: email('Kwame Mensah'),
      actionDueOn: londonToday(new Date(now.getTime() + 7 * DAY)),
    });
    const plan = await addPlanItem(dpo, record.id, {
      actionText: 'Check the class lists are stored in the locked cabinet',
      actionOwner: email('David Hughes'),
      actionDueOn: londonToday(new Date(now.getTime() + 3 * DAY)),
    });
    await markActionDone(dpo, record.id, plan.item.id);
    await addTrainingNeed(dpo, record.id, { need: 'Data protection refresher: printed personal data', forWhom: 'All Year 4 staff' });
  }
}
