#!/usr/bin/env node
// The `kalloc` command: the lab's compiled CLI.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
