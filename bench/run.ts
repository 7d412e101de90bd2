import { suites } from './index.ts';
import { machineLine } from './harness.ts';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !suites.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`bench: unknown suite ${unknown.join(', ')} (known: ${suites.map((s) => s.name).join(', ')})`);
  process.exit(2);
}
console.log(`kalloc benchmarks — ${machineLine()}`);
for (const suite of suites) {
  if (wanted.length > 0 && !wanted.includes(suite.name)) continue;
  console.log(`\n== ${suite.name}: ${suite.description}`);
  await suite.run();
}
