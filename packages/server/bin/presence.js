#!/usr/bin/env node
// The `presence` command (`npx presence`, `npx presence admin …`). This file is committed, not
// built, so that `npm install` can link it before the first build; the command itself is dist/cli.js.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('presence: the server is not built yet; run `npm run build` (or `npm start`) first.');
  process.exit(1);
}
await import(cli.href);
