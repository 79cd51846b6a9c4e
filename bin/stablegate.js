#!/usr/bin/env node
// Runs the compiled CLI (`npm run build` → dist/; `npm ci` builds it through `prepare`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('stablegate: dist/ is missing; run `npm run build` (or `npm ci`) first');
  process.exit(1);
}
await import(main.href);
