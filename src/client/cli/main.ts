#!/usr/bin/env node
/** `occi`: argv → runCli → exit code. The command-line client of OCCI 1.1/1.2 servers (rOCCI-cli's command lines included). */
import { processIo } from './io.js';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
