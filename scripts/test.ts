/**
 * The whole test suite, one command (`npm test`):
 *   0. lint and type check (Biome, tsc),
 *   1. unit and HTTP tests on PGlite (a migrated template copied per test file),
 *   2. the same tests on a throwaway real PostgreSQL when its binaries are installed,
 *   3. browser journeys in Chromium with axe checks.
 * Options: --only=lint|unit|postgres|e2e (repeatable), or test file paths to run just those.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { migrationsFolder, openDatabase } from '../src/db/client.ts';
import { startPostgres } from './postgres.ts';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args.filter((a) => a.startsWith('--only=')).map((a) => a.slice(7));
const files = args.filter((a) => !a.startsWith('--'));
const want = (stage: string) => only.length === 0 || only.includes(stage);

function findTests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (entry === 'node_modules' || entry === 'e2e') continue;
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (/\.test\.tsx?$/.test(entry)) out.push(path.relative(root, full));
  }
  return out;
}

function run(cmd: string, cmdArgs: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function migrationsHash() {
  const hash = createHash('sha256');
  for (const f of readdirSync(migrationsFolder).sort()) if (f.endsWith('.sql')) hash.update(f).update(readFileSync(path.join(migrationsFolder, f)));
  hash.update(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json')));
  return hash.digest('hex').slice(0, 16);
}

async function pgliteTemplate(): Promise<string> {
  const dir = path.join(root, '.test-cache');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `pglite-${migrationsHash()}.tar.gz`);
  if (!existsSync(file)) {
    const database = await openDatabase({ memory: true });
    await database.migrate();
    const client = (database.db as unknown as { $client: { dumpDataDir(c: string): Promise<Blob> } }).$client;
    const dump = await client.dumpDataDir('gzip');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await database.close();
  }
  return file;
}

const nodeTest = (testFiles: string[], env: Record<string, string>) =>
  run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...testFiles], { NODE_ENV: 'test', ...env });

async function main() {
  const isE2e = (f: string) => /(^|[\\/])e2e[\\/]/.test(f);
  const e2eFiles = files.filter(isE2e);
  const testFiles = files.length > 0 ? files.filter((f) => !isE2e(f)) : findTests(path.join(root, 'src')).concat(findTests(path.join(root, 'test')));
  const failures: string[] = [];

  if (want('lint') && files.length === 0) {
    console.log('\n▶ Lint and types (Biome, tsc)');
    if ((await run(process.execPath, [path.join(root, 'node_modules/@biomejs/biome/bin/biome'), 'check', '.'])) !== 0) failures.push('lint');
    if ((await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit'])) !== 0) failures.push('type check');
  }

  if (want('unit') && testFiles.length > 0) {
    console.log(`\n▶ Tests on PGlite (${testFiles.length} files)`);
    const template = await pgliteTemplate();
    if ((await nodeTest(testFiles, { TEST_PGLITE_TEMPLATE: template })) !== 0) failures.push('tests on PGlite');
  }

  if (want('postgres') && testFiles.length > 0 && process.env.TEST_POSTGRES !== '0') {
    const server = await startPostgres();
    if (!server) {
      console.log('\n▷ PostgreSQL is not installed here: the PostgreSQL run is skipped (CI installs it).');
      if (process.env.CI) failures.push('PostgreSQL run (PostgreSQL missing in CI)');
    } else {
      try {
        console.log('\n▶ The same tests on PostgreSQL');
        const pg = await import('pg');
        const admin = new pg.default.Client({ connectionString: server.url });
        await admin.connect();
        await admin.query('create database countersign_template');
        await admin.end();
        const templateUrl = server.url.replace(/\/postgres$/, '/countersign_template');
        const database = await openDatabase({ databaseUrl: templateUrl });
        await database.migrate();
        await database.close();
        if ((await nodeTest(testFiles, { TEST_DATABASE_URL: server.url, TEST_TEMPLATE_DB: 'countersign_template' })) !== 0)
          failures.push('tests on PostgreSQL');
      } finally {
        server.stop();
      }
    }
  }

  if (want('e2e') && (files.length === 0 || e2eFiles.length > 0)) {
    console.log('\n▶ Browser journeys (Chromium, axe)');
    const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(chromium)) {
      console.error(`Chromium is not installed at ${chromium}: run \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
      failures.push('browser journeys (Chromium missing)');
    } else if ((await run(process.execPath, [path.join(root, 'node_modules/@playwright/test/cli.js'), 'test', ...e2eFiles])) !== 0) {
      failures.push('browser journeys');
    }
  }

  if (failures.length > 0) {
    console.error(`\n✗ Failed: ${failures.join(', ')}`);
    process.exit(1);
  }
  console.log('\n✓ All tests passed');
}

await main();
