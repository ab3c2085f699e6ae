import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

// The quick start, as a new user runs it: start on an empty data folder, use it, stop, start again.
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'countersign-start-'));
const port = 20_000 + Math.floor(Math.random() * 20_000);
const base = `http://127.0.0.1:${port}`;
after(() => rmSync(dataDir, { recursive: true, force: true }));

function start(): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, PORT: String(port), BASE_URL: base, LOG_LEVEL: 'info', DEMO: '', SEED_DEMO: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitReady(output: () => string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the server did not become ready:\n${output()}`);
}

describe('npm start', () => {
  test('seeds the demo on an empty database, logs JSON with request ids, stops cleanly on SIGTERM, and keeps its data', async () => {
    const first = start();
    await waitReady(first.output);
    assert.match(first.output(), /The demo trust "Oakfield Learning Trust" was created/);
    assert.match(first.output(), /amara\.okafor@oakfield\.example/);
    const signIn = await (await fetch(`${base}/sign-in`)).text();
    assert.match(signIn, /Trust administrator: Amara Okafor/);
    const logLine = first
      .output()
      .split('\n')
      .find((l) => l.startsWith('{') && l.includes('"reqId"'));
    assert.ok(logLine, 'request logs are JSON lines with a request id');
    assert.doesNotMatch(first.output(), /cs_session=|_csrf=/, 'no cookies in logs');
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, 'graceful shutdown exits 0');

    const second = start();
    await waitReady(second.output);
    assert.doesNotMatch(second.output(), /was created/, 'the demo is not seeded twice');
    const again = await (await fetch(`${base}/sign-in`)).text();
    assert.match(again, /Trust administrator: Amara Okafor/, 'the data survived the restart');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
