import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A throwaway PostgreSQL cluster on 127.0.0.1 (as in CI), or undefined when PostgreSQL is not installed. */
export async function startPostgres(name = 'test'): Promise<{ url: string; stop(): void } | undefined> {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const version = readdirSync(base)
    .sort((a, b) => Number(a) - Number(b))
    .at(-1);
  const bin = version && path.join(base, version, 'bin');
  if (!bin || !existsSync(path.join(bin, 'initdb'))) return undefined;
  const dir = path.join(os.tmpdir(), `countersign-pg-${process.pid}-${name}`);
  const data = path.join(dir, 'data');
  const port = String(54_000 + ((process.pid + (name === 'test' ? 0 : 500)) % 1000));
  const asRoot = process.getuid?.() === 0;
  const as = (cmd: string, a: string[]) =>
    asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...a], { encoding: 'utf8' }) : spawnSync(cmd, a, { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  const init = as(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const start = as(path.join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(dir, 'server.log'),
    '-w',
    '-t',
    '30',
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=200`,
    'start',
  ]);
  if (start.status !== 0) throw new Error(`PostgreSQL did not start: ${start.stderr}`);
  const stop = () => {
    as(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop };
}
