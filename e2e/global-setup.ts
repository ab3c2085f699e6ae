import { rmSync } from 'node:fs';
import path from 'node:path';

/** Screenshots are saved by the tests themselves; start each run with an empty folder. */
export default function globalSetup() {
  rmSync(path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots'), { recursive: true, force: true });
}
