/**
 * `npm run bench [-- <benchmark>] [options]`: `home` (default) measures home-timeline reads,
 * `sms` inbound SMS through signed webhooks (`sms-cpu` the same in one process: CPU and statements per text), `soak` a fixed-rate mix over time with memory samples. Each prints its figures next to the same
 * machine's empty-route rate and writes JSON under bench/results/.
 */
const [first, ...rest] = process.argv.slice(2);
const benchmarks: Record<string, string> = {
  home: './home-timeline.ts',
  sms: './sms-inbound.ts',
  soak: './soak.ts',
  startup: './startup.ts',
  'read-cpu': './read-cpu.ts',
  'sms-cpu': './sms-cpu.ts',
};
const name = first && !first.startsWith('-') ? first : 'home';
const module = benchmarks[name];
if (!module) {
  console.error(`unknown benchmark "${name}"; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
process.argv = [
  process.argv[0]!,
  process.argv[1]!,
  ...(first && !first.startsWith('-') ? rest : process.argv.slice(2)),
];
await import(module);
