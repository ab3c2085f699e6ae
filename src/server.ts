import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { seedDemo } from '../db/seed/demo.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { startBackgroundWork } from './modules/notifications/worker.ts';
import { buildApp } from './web/app.tsx';

export type Running = { app: FastifyInstance; database: Database; url: string; seeded: boolean; stop(): Promise<void> };

export function openConfiguredDatabase(config: Config): Promise<Database> {
  return config.databaseUrl ? openDatabase({ databaseUrl: config.databaseUrl }) : openDatabase({ dataDir: path.join(config.dataDir, 'pglite') });
}

/** config → database → migrate → (demo seed) → server → background work. */
export async function startServer(config: Config): Promise<Running> {
  const database = await openConfiguredDatabase(config);
  await database.migrate();
  const seeded = config.seedDemo ? await seedDemo(database.db) : false;
  const app = await buildApp({ config, database });
  await app.listen({ host: config.host, port: config.port });
  const worker = startBackgroundWork(database.db, config, app.log);
  const address = app.server.address();
  const url = typeof address === 'object' && address ? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${address.port}` : config.baseUrl;
  return {
    app,
    database,
    url,
    seeded,
    async stop() {
      await app.close();
      await worker.stop();
      await database.close();
    },
  };
}
