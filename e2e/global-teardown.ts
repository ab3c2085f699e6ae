import { rmSync } from 'node:fs';

/**
 * Removes this run's embedded database folder (picked in playwright.config.ts).
 * Playwright stops the web server only after global teardown, and the app writes to that folder until it
 * has shut down, so the folder is removed when the test runner exits, after the server has stopped.
 */
export default function globalTeardown() {
  const dir = process.env.COUNTERSIGN_E2E_DATA_DIR;
  if (!dir) return;
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
}
