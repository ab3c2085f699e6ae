/**
 * Foundation benchmark: `npm run bench`. Not part of the test suite's pass/fail.
 * Times are noisy on shared machines, so it reports medians and ratios measured in one run:
 * each page against the bare /healthz route of the same server, and the import per 1,000 rows.
 */
import { performance } from 'node:perf_hooks';
import { systemActor } from '../src/modules/auth/actor.ts';
import { applyImport, previewImport } from '../src/modules/organisations/import/service.ts';
import { Agent, createTestApp } from '../test/app.ts';
import { makePerson, makeTrustWithCast, systemCtx } from '../test/factories.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

async function time(n: number, fn: () => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return median(samples);
}

const t = await createTestApp();
const cast = await makeTrustWithCast(t.app.db, 'bench');
const people = Number(process.env.BENCH_PEOPLE ?? 2000);
for (let i = 0; i < people; i++)
  await makePerson(t.app.db, cast.trust.id, { name: `Bench Person ${i}`, schoolIds: [i % 2 ? cast.schoolA.id : cast.schoolB.id] });
const admin = await new Agent(t.app).signIn(cast.admin.email);
const runs = 60;
const bare = await time(runs, () => t.app.inject({ method: 'GET', url: '/healthz' }));
const rows: [string, number][] = [
  ['GET /healthz (bare route)', bare],
  ['GET / (home, signed in)', await time(runs, () => admin.get('/'))],
  [`GET /people (${people} people, page 1)`, await time(runs, () => admin.get('/people'))],
  ['GET /people?q=person+19 (search)', await time(runs, () => admin.get('/people?q=person+19'))],
  ['GET /people?page=40 (deep page)', await time(runs, () => admin.get('/people?page=40'))],
];
console.log(`\nPages (median of ${runs}, database: ${t.database.kind})`);
for (const [name, ms] of rows) console.log(`  ${name.padEnd(42)} ${ms.toFixed(2).padStart(8)} ms   ${(ms / bare).toFixed(1).padStart(6)} × bare`);

const importRows = Number(process.env.BENCH_IMPORT_ROWS ?? 5000);
const csv = [
  'email,full_name,kind,position,schools',
  ...Array.from({ length: importRows }, (_, i) => `import.${i}@bench.example,Imported Person ${i},employee,Teacher,school-a`),
].join('\n');
const ctx = { ...systemCtx(t.app.db, cast.trust.id), actor: systemActor(cast.trust.id, 'Benchmark') };
const previewStart = performance.now();
const preview = await previewImport(ctx, { fileName: 'bench.csv', content: Buffer.from(csv), endDateMissing: false });
const previewMs = performance.now() - previewStart;
const applyStart = performance.now();
await applyImport(ctx, preview.batchId as string);
const applyMs = performance.now() - applyStart;
console.log(`\nPeople import of ${importRows} new rows (one run)`);
console.log(`  preview ${previewMs.toFixed(0)} ms (${((previewMs / importRows) * 1000).toFixed(0)} ms per 1,000 rows)`);
console.log(`  apply   ${applyMs.toFixed(0)} ms (${((applyMs / importRows) * 1000).toFixed(0)} ms per 1,000 rows)`);
await t.close();
