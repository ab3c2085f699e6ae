#!/usr/bin/env node
// The `countersign` command. Runs the TypeScript sources through tsx with the project's own
// tsconfig, whatever the current directory is.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
await import('../src/cli/index.ts');
