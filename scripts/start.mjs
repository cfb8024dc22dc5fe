#!/usr/bin/env node
// @ts-check
/**
 * `npm start [-- flags]`: compiles the server only when a source changed
 * since the last build (about 6 s; nothing otherwise), then runs
 * dist/src/cli/main.js in this process with the flags, as `occi-server` would.
 */
import { pathToFileURL } from 'node:url';
import { MAIN, build, upToDate } from './build.mjs';

if (!upToDate()) {
  console.error('occi-server: compiling TypeScript (sources changed since the last build)');
  const status = build('tsconfig.build.json');
  if (status !== 0) process.exit(status);
}
// main.js reads its flags from argv[2…]; cluster workers start argv[1], so they run main.js directly.
process.argv[1] = MAIN;
await import(pathToFileURL(MAIN).href);
