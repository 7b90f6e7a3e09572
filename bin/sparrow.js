#!/usr/bin/env node
// Sparrow ships TypeScript sources and runs them with Node's own type stripping (Node ≥ 24):
// no build step whose output could drift from the code in the repository, and no loader.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `Sparrow needs Node.js 24 or newer; this is ${process.version}. Run it through scripts/node24 (e.g. "scripts/node24 npm start"), which provides Node.js 24 where the machine's own is older.`,
  );
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
