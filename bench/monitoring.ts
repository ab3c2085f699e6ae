/**
 * Monitoring intake benchmark: `npm run bench:monitoring`. Not part of the test suite's pass/fail.
 *
 * Generates a realistic Squid native access.log of a school day (08:00–16:00 on Monday 12 January
 * 2026: ~1,500 users with email usernames, a tenth of them unknown to the directory; a Zipf long
 * tail of ~20,000 domains; ~0.5% of requests to watchlisted domains or with watchlisted words; some
 * TCP_DENIED; some requests with no user), seeded so every run reads the same file. Then, for each
 * size, reads it with our intake (`ingestLog` into a fresh copy of a PGlite database holding the
 * trust, its people, a source and a rule set) in a child process, and with GoAccess, each
 * `--runs` times, and prints the medians as a markdown table: lines/s, the ratio ours/GoAccess,
 * peak memory (the child's own maxRSS; GoAccess's from /usr/bin/time), and the memory ratio
 * between the largest and the smallest size.
 *
 *   npm run bench:monitoring                                # 1M and 4M lines, 3 runs each
 *   npm run bench:monitoring -- --lines 200000 --runs 1    # a quick look
 *
 * GoAccess 1.7's predefined SQUID format expects syslog-forwarded lines ("Nov 23 08:00:00 proxy
 * squid[123]: 1763884800.123 …"), so it is given the same fields for a plain access.log:
 * --log-format='%x.%^ %~%L %h %^/%s %b %m %U %e %^ %^' --date-format=%s --time-format=%s.
 * Times are noisy on shared machines: read the medians and the ratios, not single figures.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/db/client.ts';
import { ingestLog } from '../src/modules/monitoring/intake/read-log.ts';
import { monitoringRules, monitoringSources } from '../src/modules/monitoring/schema.ts';
import { people, personSchools, schools, trusts } from '../src/modules/organisations/schema.ts';

const NOW = new Date('2026-02-01T12:00:00Z');
const DAY_START = Date.UTC(2026, 0, 12, 8, 0); // 08:00 in London (GMT in January)
const DAY_MS = 8 * 3_600_000;
const GOACCESS_FORMAT = ['--log-format=%x.%^ %~%L %h %^/%s %b %m %U %e %^ %^', '--date-format=%s', '--time-format=%s'];

// ---------------------------------------------------------------------------------------------
// The child: one read of one file into one database, timed from inside.

if (process.argv[2] === '--child') {
  const [, , , dataDir, file, trustId, sourceId] = process.argv as string[];
  const database = await openDatabase({ dataDir: dataDir as string });
  const start = performance.now();
  const result = await ingestLog(database.db, {
    trustId: trustId as string,
    sourceId: sourceId as string,
    format: 'squid',
    input: createReadStream(file as string, { highWaterMark: 1 << 20 }),
    baseUrl: 'http://localhost',
    now: NOW,
  });
  const ms = performance.now() - start;
  await database.close();
  process.stdout.write(
    `${JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, ...result, malformed: result.malformed.length, heapUsed: process.memoryUsage().heapUsed })}\n`,
  );
  process.exit(0);
}

// The database alone (opened, one query): what the process weighs before it reads a line.
if (process.argv[2] === '--child-baseline') {
  const database = await openDatabase({ dataDir: process.argv[3] as string });
  await database.db.select().from(monitoringSources);
  await database.close();
  process.stdout.write(`${JSON.stringify({ ms: 0, maxRssKb: process.resourceUsage().maxRSS })}\n`);
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Options

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const inline = process.argv.find((a) => a.startsWith(`--${name}=`));
  return inline ? inline.slice(name.length + 3) : i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const SIZES = option('lines', '1000000,4000000')
  .split(',')
  .map((s) => Math.round(Number(s.replace(/_/g, ''))))
  .filter((n) => n > 0);
const RUNS = Math.max(1, Number(option('runs', '3')));
const KEEP = process.argv.includes('--keep');

// ---------------------------------------------------------------------------------------------
// A seeded generator of a school's day of proxy traffic.

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks index i with probability ∝ 1/(i+1)^s (a Zipf long tail), by binary search on the cumulative weights. */
function zipf(n: number, s: number, random: () => number) {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** s;
    cumulative[i] = sum;
  }
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const FIRST =
  'amelia olivia isla ava mia ivy lily sophia grace freya emily ella poppy evie charlotte oliver george noah arthur leo harry oscar archie henry theo jack charlie jacob thomas james william joshua samuel daniel priya aisha fatima zara hannah ruth'.split(
    ' ',
  );
const LAST =
  'smith jones taylor brown williams wilson johnson davies patel wright robinson thompson evans walker white roberts green hall wood jackson clarke khan ahmed lewis harris young allen king scott baker hughes turner hill moore cooper ward morris'.split(
    ' ',
  );
const SYLLABLES = 'ka lo mi ne ra so ti vu ba de fi go hu ja ke lu ma no pe qu ri sa te vo wi xa yo zu an el in or un ex ly ty'.split(' ');
const TLDS = ['.com', '.com', '.com', '.co.uk', '.org', '.net', '.uk', '.io', '.org.uk', '.ac.uk'];
const POPULAR = [
  'www.google.com',
  'www.youtube.com',
  'www.bbc.co.uk',
  'login.microsoftonline.com',
  'outlook.office365.com',
  'classroom.google.com',
  'www.wikipedia.org',
  'teams.microsoft.com',
  'fonts.gstatic.com',
  'www.oaknationalacademy.com',
];
/** The watchlists in the rule set (and what the generated log visits ~0.5% of the time). */
const WATCHED_DOMAINS = Array.from({ length: 40 }, (_, i) => `bet${i}-example.com`).concat(['casino.example', 'poker-room.example']);
const WATCHED_WORDS = ['knife', 'machete', 'suicide', 'self harm', 'proxy unblock', 'vpn free'];

type Generated = { file: string; lines: number; users: { email: string; known: boolean }[] };

function makeUsers(random: () => number) {
  const seen = new Set<string>();
  const users: { email: string; known: boolean }[] = [];
  while (users.length < 1500) {
    const first = FIRST[Math.floor(random() * FIRST.length)] as string;
    const last = LAST[Math.floor(random() * LAST.length)] as string;
    const n = Math.floor(random() * 90);
    const known = random() < 0.9;
    const email = known ? `${first}.${last}${n}@oakbench.sch.uk` : `${first[0]}${last}${n}@students.oakbench.sch.uk`;
    if (seen.has(email)) continue;
    seen.add(email);
    users.push({ email, known });
  }
  return users;
}

function makeDomains(random: () => number) {
  const seen = new Set<string>(POPULAR);
  const domains = [...POPULAR];
  while (domains.length < 20_000) {
    let name = '';
    const parts = 2 + Math.floor(random() * 3);
    for (let i = 0; i < parts; i++) name += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    const domain = `${random() < 0.3 ? 'www.' : ''}${name}${TLDS[Math.floor(random() * TLDS.length)]}`;
    if (seen.has(domain)) continue;
    seen.add(domain);
    domains.push(domain);
  }
  return domains;
}

async function generate(file: string, lines: number): Promise<Generated> {
  const random = mulberry32(20260112);
  const users = makeUsers(random);
  const domains = makeDomains(random);
  const pickDomain = zipf(domains.length, 1.0, random);
  const pickUser = zipf(users.length, 0.6, random);
  const ips = users.map((_, i) => `10.${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`);
  const paths = [
    '/',
    '/index.html',
    '/search',
    '/watch',
    '/news/education',
    '/api/v2/items',
    '/static/app.js',
    '/images/logo.png',
    '/login',
    '/assignments/123',
  ];
  const mimes = ['text/html', 'application/json', 'image/png', 'text/css', 'application/javascript', '-'];
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let batch: string[] = [];
  for (let i = 0; i < lines; i++) {
    const ts = ((DAY_START + ((i + random()) * DAY_MS) / lines) / 1000).toFixed(3);
    const r = random();
    const u = r < 0.05 ? -1 : pickUser();
    const user = u < 0 ? '-' : (users[u] as { email: string }).email;
    const ip = u < 0 ? `10.30.${Math.floor(random() * 4)}.${Math.floor(random() * 250)}` : (ips[u] as string);
    const elapsed = String(Math.floor(random() * 2000)).padStart(6);
    const bytes = Math.floor(random() * 50_000);
    let line: string;
    const special = random();
    if (special < 0.0025) {
      const host = WATCHED_DOMAINS[Math.floor(random() * WATCHED_DOMAINS.length)];
      const denied = random() < 0.7;
      line = `${ts} ${elapsed} ${ip} ${denied ? 'TCP_DENIED/403' : 'TCP_TUNNEL/200'} ${bytes} CONNECT ${host}:443 ${user} ${denied ? 'HIER_NONE/-' : 'HIER_DIRECT/203.0.113.7'} -`;
    } else if (special < 0.005) {
      const word = WATCHED_WORDS[Math.floor(random() * WATCHED_WORDS.length)] as string;
      line = `${ts} ${elapsed} ${ip} TCP_MISS/200 ${bytes} GET https://www.google.com/search?q=${word.replace(/ /g, '+')}+${Math.floor(random() * 100)} ${user} HIER_DIRECT/142.250.1.1 text/html`;
    } else {
      const host = domains[pickDomain()] as string;
      const kind = random();
      if (kind < 0.02) line = `${ts} ${elapsed} ${ip} TCP_DENIED/403 3890 CONNECT ${host}:443 ${user} HIER_NONE/- text/html`;
      else if (kind < 0.7)
        line = `${ts} ${elapsed} ${ip} TCP_TUNNEL/200 ${bytes} CONNECT ${host}:443 ${user} HIER_DIRECT/198.51.100.${Math.floor(random() * 250)} -`;
      else {
        const pathPart = paths[Math.floor(random() * paths.length)];
        const query = random() < 0.3 ? `?id=${Math.floor(random() * 100_000)}` : '';
        const code = random() < 0.3 ? 'TCP_HIT/200' : random() < 0.1 ? 'TCP_REFRESH_UNMODIFIED/304' : 'TCP_MISS/200';
        line = `${ts} ${elapsed} ${ip} ${code} ${bytes} GET http://${host}${pathPart}${query} ${user} HIER_DIRECT/198.51.100.${Math.floor(random() * 250)} ${mimes[Math.floor(random() * mimes.length)]}`;
      }
    }
    batch.push(line);
    if (batch.length === 10_000) {
      if (!out.write(`${batch.join('\n')}\n`)) await new Promise((resolve) => out.once('drain', resolve));
      batch = [];
    }
  }
  out.end(batch.length ? `${batch.join('\n')}\n` : '');
  await new Promise((resolve, reject) => out.on('finish', resolve).on('error', reject));
  return { file, lines, users };
}

// ---------------------------------------------------------------------------------------------
// The database every run starts from: a trust with its people, a source and a rule set.

async function prepareDatabase(dir: string, users: { email: string; known: boolean }[]) {
  const database = await openDatabase({ dataDir: dir });
  await database.migrate();
  const db = database.db;
  const [trust] = await db.insert(trusts).values({ slug: 'oakbench', name: 'Oak Bench Trust' }).returning();
  if (!trust) throw new Error('no trust');
  const [school] = await db.insert(schools).values({ trustId: trust.id, slug: 'oak-bench', name: 'Oak Bench School' }).returning();
  if (!school) throw new Error('no school');
  const known = users.filter((u) => u.known);
  for (let i = 0; i < known.length; i += 500) {
    const rows = known.slice(i, i + 500).map((u, j) => ({
      trustId: trust.id,
      id: randomUUID(),
      email: u.email,
      fullName: `Bench Person ${i + j}`,
      kind: 'employee',
      position: 'Teacher',
    }));
    await db.insert(people).values(rows);
    await db.insert(personSchools).values(rows.map((r) => ({ trustId: trust.id, personId: r.id, schoolId: school.id })));
  }
  const [source] = await db
    .insert(monitoringSources)
    .values({ trustId: trust.id, name: 'School proxy', kind: 'firewall', schoolIds: [school.id], usernameMatch: 'email' })
    .returning();
  if (!source) throw new Error('no source');
  await db.insert(monitoringRules).values([
    { trustId: trust.id, name: 'Self-harm', kind: 'category', category: 'self_harm', terms: [], severity: 'high' },
    { trustId: trust.id, name: 'Gambling sites', kind: 'domain', category: 'gambling', terms: WATCHED_DOMAINS, severity: 'medium' },
    { trustId: trust.id, name: 'Weapon words', kind: 'keyword', category: 'weapons', terms: ['knife', 'machete'], severity: 'low' },
    { trustId: trust.id, name: 'Self-harm searches', kind: 'keyword', category: 'self_harm', terms: ['suicide', 'self+harm', 'self harm'], severity: 'high' },
    {
      trustId: trust.id,
      name: 'Filter bypass',
      kind: 'keyword',
      category: 'filter_bypass',
      terms: ['proxy+unblock', 'vpn+free'],
      severity: 'medium',
      action: 'any',
    },
  ]);
  await database.close();
  return { trustId: trust.id, sourceId: source.id, people: known.length };
}

// ---------------------------------------------------------------------------------------------
// Runs

type Run = { seconds: number; processSeconds: number; maxRssKb: number; accepted?: number; alertsRaised?: number; unmatched?: number };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

async function ours(template: string, work: string, file: string | null, trustId: string, sourceId: string): Promise<Run> {
  const dataDir = path.join(work, `db-${randomUUID().slice(0, 8)}`);
  cpSync(template, dataDir, { recursive: true });
  const started = performance.now();
  const args = file ? ['--child', dataDir, file, trustId, sourceId] : ['--child-baseline', dataDir];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`the reading process stopped with ${code}`))));
  });
  const processSeconds = (performance.now() - started) / 1000;
  rmSync(dataDir, { recursive: true, force: true });
  const r = JSON.parse(out.trim().split('\n').at(-1) as string) as {
    ms: number;
    maxRssKb: number;
    accepted: number;
    alertsRaised: number;
    unmatchedUsernames: number;
  };
  return { seconds: r.ms / 1000, processSeconds, maxRssKb: r.maxRssKb, accepted: r.accepted, alertsRaised: r.alertsRaised, unmatched: r.unmatchedUsernames };
}

async function goaccess(work: string, file: string): Promise<Run> {
  const report = path.join(work, 'goaccess-report.json');
  const started = performance.now();
  const stderr = await new Promise<string>((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'TIME %e %M', 'goaccess', file, ...GOACCESS_FORMAT, '--no-global-config', '--no-progress', '-o', report], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let text = '';
    child.stderr.on('data', (d) => {
      text += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`goaccess stopped with ${code}: ${text.slice(-500)}`))));
  });
  const processSeconds = (performance.now() - started) / 1000;
  const m = /TIME ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no timing from /usr/bin/time: ${stderr.slice(-300)}`);
  rmSync(report, { force: true });
  return { seconds: Number(m[1]), processSeconds, maxRssKb: Number(m[2]) };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-GB');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

const work = mkdtempSync(path.join(os.tmpdir(), 'countersign-bench-monitoring-'));
try {
  const goaccessVersion = execFileSync('goaccess', ['--version'], { encoding: 'utf8' }).split('\n')[0]?.trim();
  console.error(`Working in ${work}; GoAccess: ${goaccessVersion}; Node ${process.version}; ${os.cpus().length} CPUs`);
  const files: Generated[] = [];
  for (const lines of SIZES) {
    const started = performance.now();
    files.push(await generate(path.join(work, `access-${lines}.log`), lines));
    console.error(
      `Generated ${fmt(lines)} lines (${mb(statSync(path.join(work, `access-${lines}.log`)).size / 1024)}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
  const template = path.join(work, 'db-template');
  const setup = await prepareDatabase(template, (files[0] as Generated).users);
  console.error(`Database: ${setup.people} people, 1 source, 5 rules (PGlite in ${template})`);
  const baseline = await ours(template, work, null, setup.trustId, setup.sourceId);
  console.error(`PGlite alone (opened, one query): ${mb(baseline.maxRssKb)} peak RSS`);

  const results: { lines: number; bytes: number; ours: Run[]; goaccess: Run[] }[] = [];
  for (const g of files) {
    const row = { lines: g.lines, bytes: statSync(g.file).size, ours: [] as Run[], goaccess: [] as Run[] };
    for (let run = 0; run < RUNS; run++) {
      // Read the file once before timing either, so both find it in the page cache.
      if (run === 0)
        await new Promise((resolve) =>
          createReadStream(g.file)
            .on('data', () => {})
            .on('end', resolve),
        );
      const a = await ours(template, work, g.file, setup.trustId, setup.sourceId);
      const b = await goaccess(work, g.file);
      row.ours.push(a);
      row.goaccess.push(b);
      console.error(
        `${fmt(g.lines)} lines, run ${run + 1}: ours ${a.seconds.toFixed(2)} s (process ${a.processSeconds.toFixed(2)} s, ${mb(a.maxRssKb)}, ${fmt(a.accepted ?? 0)} accepted, ${a.alertsRaised} alerts), GoAccess ${b.seconds.toFixed(2)} s (${mb(b.maxRssKb)})`,
      );
    }
    results.push(row);
  }

  console.log(`\n### Monitoring intake: Squid native access.log, ours vs GoAccess (median of ${RUNS})\n`);
  console.log(
    '| Lines | File | Ours: lines/s (read + stored) | Ours: lines/s (whole process) | GoAccess: lines/s | Ours ÷ GoAccess (speed) | Ours: peak RSS | GoAccess: peak RSS |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const oursRate = r.lines / median(r.ours.map((x) => x.seconds));
    const oursProcess = r.lines / median(r.ours.map((x) => x.processSeconds));
    const theirs = r.lines / median(r.goaccess.map((x) => x.seconds));
    console.log(
      `| ${fmt(r.lines)} | ${mb(r.bytes / 1024)} | ${fmt(oursRate)} | ${fmt(oursProcess)} | ${fmt(theirs)} | ${(oursRate / theirs).toFixed(2)}× (process ${(oursProcess / theirs).toFixed(2)}×) | ${mb(median(r.ours.map((x) => x.maxRssKb)))} (+${mb(median(r.ours.map((x) => x.maxRssKb)) - baseline.maxRssKb)}) | ${mb(median(r.goaccess.map((x) => x.maxRssKb)))} |`,
    );
  }
  if (results.length > 1) {
    const first = results[0] as (typeof results)[number];
    const last = results.at(-1) as (typeof results)[number];
    const ratio = (rs: Run[], base: Run[]) => (median(rs.map((x) => x.maxRssKb)) / median(base.map((x) => x.maxRssKb))).toFixed(2);
    console.log(
      `\nPeak memory, ${fmt(last.lines)} lines ÷ ${fmt(first.lines)} lines: ours ${ratio(last.ours, first.ours)}×, GoAccess ${ratio(last.goaccess, first.goaccess)}× (flat = 1.00×).`,
    );
  }
  console.log(
    `\nOurs: \`ingestLog\` (parse, check, match 5 rules, resolve usernames, daily counts, alerts) into PGlite on disk, in a child process (NODE_ENV=production); "read + stored" times the call, "whole process" adds starting Node and opening the database. The embedded database alone (opened, one query) peaks at ${mb(baseline.maxRssKb)} in the same kind of process. GoAccess ${goaccessVersion}: \`goaccess <file> ${GOACCESS_FORMAT.map((a) => `'${a}'`).join(' ')} -o report.json\`, timed by /usr/bin/time.`,
  );
} finally {
  if (KEEP) console.error(`Kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
