import { Readable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import type { Ctx } from '../../src/context.ts';
import type { Db } from '../../src/db/client.ts';
import { loadPersonActor } from '../../src/modules/auth/service.ts';
import { acknowledgeAlert, closeAlert, escalateAlert, recordOutcome } from '../../src/modules/monitoring/alerts/service.ts';
import { setEnhanced } from '../../src/modules/monitoring/enhanced/service.ts';
import type { MonitoringEvent } from '../../src/modules/monitoring/events.ts';
import { categoryCode, hostOf } from '../../src/modules/monitoring/events.ts';
import { openIngest } from '../../src/modules/monitoring/intake/ingest.ts';
import { createUpload, runUpload } from '../../src/modules/monitoring/intake/uploads.ts';
import { addRecommendedRules, createRule } from '../../src/modules/monitoring/rules/service.ts';
import { alerts } from '../../src/modules/monitoring/schema.ts';
import { createSource } from '../../src/modules/monitoring/sources/service.ts';
import { markNotStaff } from '../../src/modules/monitoring/sources/usernames.ts';
import { people, schools } from '../../src/modules/organisations/schema.ts';
import { londonToday } from '../../src/ui/format.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A small, fixed pseudo-random sequence, so the demo is the same every time. */
function sequence(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Pupils' usernames at Oakfield Primary: not in the directory (pupils are not staff). */
const PUPILS = ['y6.amir.k', 'y6.lily.p', 'y5.noah.b', 'y5.maya.r', 'y4.oscar.t', 'y6.isla.m', 'y5.leo.d', 'y4.ruby.h'];
const EVERYDAY = [
  'https://www.bbc.co.uk/bitesize/topics/zjv39j6',
  'https://classroom.google.com/u/0/h',
  'https://www.timestables.co.uk/',
  'https://www.natgeokids.com/uk/discover/animals/',
  'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
  'https://scratch.mit.edu/projects/editor/',
  'https://www.oxfordowl.co.uk/for-home/find-a-book/',
  'https://en.wikipedia.org/wiki/Roman_Britain',
];

/**
 * The monitoring side of the demo trust, made through the real services as the people who would
 * act: three sources (the Oakfield web filter, the trust's safeguarding monitoring, directory
 * sign-ins), the recommended rules and three watchlists, a volunteer under enhanced monitoring,
 * eight weeks of events with alerts in every state (one escalated to a concern, noisy false
 * positives on the gambling list), a read log file, and sign-in and file-deletion events.
 */
export async function seedDemoMonitoring(db: Db, trustId: string, now = new Date()) {
  const byName = new Map(
    (await db.select({ id: people.id, name: people.fullName, email: people.email }).from(people).where(eq(people.trustId, trustId))).map((p) => [p.name, p]),
  );
  const schoolId = new Map(
    (await db.select({ id: schools.id, slug: schools.slug }).from(schools).where(eq(schools.trustId, trustId))).map((s) => [s.slug, s.id]),
  );
  const as = async (name: string): Promise<Ctx> => {
    const person = byName.get(name);
    if (!person) throw new Error(`demo monitoring: no ${name}`);
    return { db, actor: await loadPersonActor(db, trustId, person.id), baseUrl: '', ip: '10.20.1.30', userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' };
  };
  const admin = await as('Amara Okafor');
  const oakfield = schoolId.get('oakfield-primary') as string;

  const { source: webFilter } = await createSource(admin, {
    name: 'Oakfield web filter',
    kind: 'filtering',
    schools: [oakfield],
    usernameMatch: 'email_local',
  });
  const { source: monitoring } = await createSource(admin, {
    name: 'Safeguarding monitoring',
    kind: 'monitoring',
    schools: [oakfield],
    usernameMatch: 'email_local',
  });
  const { source: directory } = await createSource(admin, { name: 'Directory sign-ins', kind: 'directory', schools: [], usernameMatch: 'email' });

  const dsl = await as('Helen Marsh');
  await addRecommendedRules(dsl);
  await createRule(dsl, {
    name: 'Gambling and betting sites',
    kind: 'domain',
    category: 'gambling',
    terms: 'casino.example\nbet-example.com\nspinwin.example\nscratchcards.example',
    severity: 'medium',
    action: 'any',
    timeMode: 'any',
    appliesTo: 'everyone',
  });
  await createRule(dsl, {
    name: 'Self-harm searches',
    kind: 'keyword',
    category: 'self_harm',
    terms: 'hurt myself\nself harm\nwant to die\nsuicide method',
    severity: 'high',
    action: 'any',
    timeMode: 'any',
    appliesTo: 'everyone',
  });
  await createRule(dsl, {
    name: 'Proxy and VPN sites out of hours',
    kind: 'domain',
    category: 'filter_bypass',
    terms: 'proxy-unblock.example\nfreevpn.example\nhidemy.example',
    severity: 'medium',
    action: 'any',
    timeMode: 'outside',
    timeFrom: '08:00',
    timeTo: '17:30',
    appliesTo: 'everyone',
  });
  await createRule(dsl, {
    name: 'Personal social media (enhanced monitoring only)',
    kind: 'domain',
    category: 'other',
    categoryOther: 'Social media',
    terms: 'social.example\nchatapp.example',
    severity: 'low',
    action: 'any',
    timeMode: 'any',
    appliesTo: 'enhanced',
  });

  // The head teacher puts a volunteer under enhanced monitoring for four weeks.
  const head = await as('David Hughes');
  const today = londonToday(now);
  const plusDays = (d: number) => londonToday(new Date(now.getTime() + d * DAY));
  await setEnhanced(
    head,
    {
      person: byName.get('Joe Kirby')?.email,
      startsOn: today,
      endsOn: plusDays(28),
      reason:
        'A parent reported seeing personal messaging on a school tablet during a reading session. Enhanced monitoring while the complaint is looked into.',
    },
    today,
  );

  // Eight weeks of web traffic at Oakfield: school-day browsing, counted only, and now and then
  // something a rule matches. Events are sent oldest first, as a filter would.
  const random = sequence(20261123);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const events: { source: 'web' | 'monitoring'; event: MonitoringEvent }[] = [];
  const web = (at: Date, username: string, url: string, action: 'allowed' | 'blocked' = 'allowed', category = 'uncategorised'): MonitoringEvent => ({
    kind: 'web',
    occurredAt: at,
    username,
    category: categoryCode(category),
    url,
    host: hostOf(url),
    action,
    device: `OAK-IP-${String(1 + Math.floor(random() * 30)).padStart(3, '0')}`,
    ip: `10.20.4.${10 + Math.floor(random() * 200)}`,
  });
  const schoolDay = (daysAgo: number, hour: number, minute: number) => {
    const day = new Date(now.getTime() - daysAgo * DAY);
    day.setUTCHours(hour, minute, 0, 0);
    return day;
  };
  for (let d = 56; d >= 1; d--) {
    const weekday = new Date(now.getTime() - d * DAY).getUTCDay();
    if (weekday === 0 || weekday === 6) continue;
    for (let i = 0; i < 40; i++) {
      const at = schoolDay(d, 8 + Math.floor(random() * 7), Math.floor(random() * 60));
      events.push({ source: 'web', event: web(at, pick([...PUPILS, 'ellie.ward', 'martin.cole']), pick(EVERYDAY)) });
    }
    // A few weekly signals, more of them in recent weeks.
    if (random() < 0.35 + (56 - d) / 160)
      events.push({ source: 'web', event: web(schoolDay(d, 12, 20), pick(PUPILS), 'https://www.bet-example.com/football/odds', 'blocked') });
    if (random() < 0.25)
      events.push({
        source: 'web',
        event: web(schoolDay(d, 13, 5), pick(PUPILS), `https://casino.example/slots?ref=${Math.floor(random() * 999)}`, 'blocked'),
      });
    if (random() < 0.12)
      events.push({
        source: 'monitoring',
        event: { ...web(schoolDay(d, 10, 40), pick(PUPILS), 'https://chat.example/room/412', 'allowed', 'Cyberbullying'), detail: 'Typed in a chat window' },
      });
    if (random() < 0.1) events.push({ source: 'web', event: web(schoolDay(d, 18, 45), pick(PUPILS), 'https://proxy-unblock.example/browse', 'blocked') });
  }
  // Last week: a search the self-harm watchlist catches (extended by a second search minutes later),
  // a gambling site on a teacher’s laptop, and (just now, so on a day the period covers) the volunteer
  // under enhanced monitoring on social media.
  events.push({
    source: 'web',
    event: web(schoolDay(2, 11, 2), 'y6.isla.m', 'https://search.example/search?q=how+to+hurt+myself+without+anyone+knowing', 'blocked'),
  });
  events.push({ source: 'web', event: web(schoolDay(2, 11, 6), 'y6.isla.m', 'https://search.example/search?q=self+harm+marks+hide', 'blocked') });
  events.push({ source: 'web', event: web(schoolDay(3, 15, 50), 'ellie.ward', 'https://spinwin.example/promo', 'blocked') });
  events.push({ source: 'web', event: web(now, 'joe.kirby', 'https://social.example/messages', 'allowed') });
  events.push({
    source: 'monitoring',
    event: {
      ...web(schoolDay(1, 9, 15), 'y5.maya.r', 'https://docs.example/d/412', 'allowed', 'Self Harm'),
      detail: 'Typed in a document: “I don’t want to be here any more”',
    },
  });

  for (const [name, source] of [
    ['web', webFilter],
    ['monitoring', monitoring],
  ] as const) {
    const ingest = await openIngest(db, { trustId, sourceId: source.id, baseUrl: '', now });
    for (const { event } of events.filter((e) => e.source === name)) await ingest.add(event);
    await ingest.finish();
  }

  // Sign-ins and file deletions from the directory (003 §4.3).
  const audit = await openIngest(db, { trustId, sourceId: directory.id, baseUrl: '', now });
  for (let d = 6; d >= 0; d--) {
    for (const name of ['Ellie Ward', 'Martin Cole', 'Priya Shah', 'Kwame Mensah']) {
      const email = byName.get(name)?.email as string;
      const at = new Date(now.getTime() - d * DAY - 9 * HOUR + Math.floor(random() * 60) * MINUTE);
      if (at > now) continue;
      await audit.add({
        kind: 'logon',
        occurredAt: at,
        username: email,
        category: 'uncategorised',
        outcome: 'success',
        location: 'Oakfield Primary, staff room',
        device: 'OAK-LT-0042',
        ip: '10.20.1.42',
      });
    }
  }
  const ellie = byName.get('Ellie Ward')?.email as string;
  for (const minutes of [38, 36, 35])
    await audit.add({
      kind: 'logon',
      occurredAt: new Date(now.getTime() - minutes * MINUTE),
      username: ellie,
      category: 'uncategorised',
      outcome: 'failure',
      location: 'Outside the UK (VPN exit)',
      ip: '203.0.113.77',
    });
  await audit.add({
    kind: 'file_deletion',
    occurredAt: new Date(now.getTime() - 3 * HOUR),
    username: byName.get('Martin Cole')?.email as string,
    category: 'uncategorised',
    path: '\\\\oak-fs01\\staff\\Year 6\\Assessment\\SATs mock results 2026.xlsx',
    device: 'OAK-LT-0017',
  });
  await audit.finish();

  // A log file read from the command line: yesterday afternoon's proxy log.
  const it = await as('Kwame Mensah');
  const epoch = (at: Date) => (at.getTime() / 1000).toFixed(3);
  const afternoon = schoolDay(1, 14, 0);
  const lines = [
    `${epoch(afternoon)}    120 10.20.4.31 TCP_MISS/200 5120 GET https://www.bbc.co.uk/bitesize/topics/zjv39j6 y6.noah.b HIER_DIRECT/151.101.0.81 text/html`,
    `${epoch(new Date(afternoon.getTime() + MINUTE))}     12 10.20.4.31 TCP_DENIED/403 3890 CONNECT bet-example.com:443 y6.noah.b HIER_NONE/- text/html`,
    `${epoch(new Date(afternoon.getTime() + 2 * MINUTE))}     88 10.20.4.52 TCP_MISS/200 1204 GET https://classroom.google.com/u/0/h ellie.ward HIER_DIRECT/142.250.0.1 text/html`,
    'this line is not a Squid log line',
    `${epoch(new Date(afternoon.getTime() + 3 * MINUTE))}     40 10.20.4.77 TCP_MISS/200 2210 GET https://www.natgeokids.com/uk/discover/animals/ y3.visitor HIER_DIRECT/104.18.0.1 text/html`,
  ];
  const content = `${lines.join('\n')}\n`;
  const upload = await createUpload(it, {
    sourceId: webFilter.id,
    format: 'squid',
    fileName: 'access.log',
    fileBytes: Buffer.byteLength(content),
    filePath: null,
    via: 'cli',
  });
  await runUpload(db, trustId, upload.id, { baseUrl: '', input: Readable.from([Buffer.from(content)]), now });
  await markNotStaff(admin, webFilter.id, { username: 'y3.visitor' });

  // Triage by the DSL at Oakfield.
  const priya = await as('Priya Shah');
  const list = await db
    .select({ reference: alerts.reference, ruleName: alerts.ruleName, username: alerts.username, status: alerts.status, severity: alerts.severity })
    .from(alerts)
    .where(and(eq(alerts.trustId, trustId), eq(alerts.sourceId, webFilter.id)))
    .orderBy(alerts.firstEventAt);
  const gambling = list.filter((a) => a.ruleName === 'Gambling and betting sites');
  // Most of the older gambling alerts were sports pages for a maths lesson on odds: false positives.
  for (const a of gambling.slice(0, Math.max(0, gambling.length - 3))) {
    await recordOutcome(priya, a.reference, {
      outcome: 'false_positive',
      note: 'Year 6 maths lesson on probability used betting odds pages; the filter blocked them.',
    });
    await closeAlert(priya, a.reference, {});
  }
  const recent = gambling.at(-2);
  if (recent) await acknowledgeAlert(priya, recent.reference);
  const selfHarm = list.find((a) => a.ruleName === 'Self-harm searches');
  if (selfHarm)
    await escalateAlert(priya, selfHarm.reference, {
      type: 'harmful_content',
      what: `Alert ${selfHarm.reference}: two searches about self-harm from a Year 6 pupil’s account in a lesson. Spoke to the class teacher; the pupil is being seen by the pastoral lead today.`,
    });
  const proxies = list.filter((a) => a.ruleName === 'Proxy and VPN sites out of hours');
  for (const a of proxies.slice(0, 1)) {
    await recordOutcome(priya, a.reference, {
      outcome: 'true_positive',
      note: 'Pupil tried to get round the filter at after-school club; talked to them and their parents.',
    });
    await closeAlert(priya, a.reference, { note: 'Reminded the club staff to supervise screens.' });
  }
}
