#!/usr/bin/env node
// Sparrow ships TypeScript sources and runs them through tsx's loader, so there is no
// build step whose output could drift from the code in the repository.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
