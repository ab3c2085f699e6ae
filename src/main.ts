import { ConfigError, loadConfig } from './config.ts';
import { DEMO_ADMIN_PASSWORD, DEMO_PERSONAS } from './modules/demo/personas.ts';
import { startServer } from './server.ts';

try {
  const config = loadConfig();
  const running = await startServer(config);
  if (config.demo) {
    const lines = [
      '',
      `Countersign is running at ${config.baseUrl}`,
      running.seeded ? 'The demo trust "Oakfield Learning Trust" was created.' : '',
      `Sign in at ${config.baseUrl}/sign-in: choose a demo person there, or enter one of these addresses and`,
      `open the sign-in link from the demo mailbox (no email is sent):`,
      ...DEMO_PERSONAS.map((p) => `  ${p.label.padEnd(30)} ${p.email}`),
      `The trust administrator can also sign in with the password "${DEMO_ADMIN_PASSWORD}".`,
      '',
    ];
    process.stdout.write(`${lines.filter((l, i) => l || i === 0 || i === lines.length - 1).join('\n')}\n`);
  } else {
    running.app.log.info({ url: config.baseUrl }, 'Countersign is running');
  }
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await running.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
