// npm run fuzz [-- --minutes N] [--target range|buddy|page|heap] [--seed S [--path P]]
//
// Without --seed: every target (or the one named) in turn, fresh seeds, until the minutes are
// spent (default 1), printing each seed as it starts; exits 1 on the first failure, with the
// command that replays it. With --seed (and --path from a failure report): replays that case.
import { parseArgs } from 'node:util';
import { fuzz } from './harness.ts';
import { fuzzFor } from './budget.ts';
import { TARGETS } from './targets/index.ts';

const { values } = parseArgs({
  options: { minutes: { type: 'string' }, target: { type: 'string' }, seed: { type: 'string' }, path: { type: 'string' }, runs: { type: 'string' } },
});
const names = values.target ? [values.target] : Object.keys(TARGETS);
for (const n of names) if (!TARGETS[n]) throw new Error(`unknown target ${n} (known: ${Object.keys(TARGETS).join(', ')})`);

if (values.seed !== undefined) {
  const seed = Number(values.seed);
  for (const n of names) {
    const r = fuzz(TARGETS[n]!, { seed, numRuns: Number(values.runs ?? 100), ...(values.path ? { path: values.path } : {}) });
    console.log(r.failure ?? `${n}: seed ${seed}: ${r.runs} sequences, ${r.calls} calls, no failure`);
    if (r.failure) process.exitCode = 1;
  }
} else {
  const minutes = Number(values.minutes ?? 1);
  const perTarget = (minutes * 60_000) / names.length;
  let calls = 0;
  let sequences = 0;
  for (const n of names) {
    const r = fuzzFor(n, perTarget);
    calls += r.calls;
    sequences += r.sequences;
    console.log(`${n}: ${r.sequences} sequences, ${r.calls} calls, seeds ${r.seeds.join(' ')}`);
    if (r.failure) {
      console.error(r.failure);
      process.exitCode = 1;
      break;
    }
  }
  console.log(`total: ${sequences} sequences, ${calls} calls in ${minutes} min`);
}
