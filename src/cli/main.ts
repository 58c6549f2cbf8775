#!/usr/bin/env node
// The `switchboard` command: everything is in run-cli.ts, so tests can call it.
import { processIo } from './io.js';
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
