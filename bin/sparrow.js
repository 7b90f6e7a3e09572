#!/usr/bin/env node
// Sparrow ships TypeScript sources and runs them with Node's own type stripping (Node ≥ 24):
// no build step whose output could drift from the code in the repository, and no loader.
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
