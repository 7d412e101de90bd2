import fc from 'fast-check';
import { KallocError } from 'kalloc';

/**
 * The fuzzing harness behind `npm run fuzz` and test/fuzz.test.ts. A target is one allocator
 * family: a random sequence of operations (fast-check), each applied to the design under test, to
 * its baseline design and to a shadow model, with check() after every step. Operations mix
 * ordinary calls with hostile ones (values no caller should pass, changed handles, callbacks that
 * throw or call back in). Every call must either answer (and the answers of the two designs must
 * agree as far as the target says they must) or throw a KallocError with the state unchanged.
 *
 * A failure prints fast-check's seed and path; `npm run fuzz -- --target T --seed S --path P`
 * replays exactly that case (shrunk).
 */
export interface Target<Op> {
  name: string;
  /** One operation; sequences are arrays of these. */
  op: fc.Arbitrary<Op>;
  /** Runs one sequence on fresh allocators; throws on any broken rule. Returns calls made. */
  run(ops: Op[]): number;
}

/** Values no caller should pass where a size, offset or count is expected. */
export const HOSTILE: readonly unknown[] = [-1, -0, 0.5, -4096, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 10n, '4096', null, {}, [], true, undefined];
export const hostile = fc.constantFrom(...HOSTILE);

export class FuzzFailure extends Error {}

export function fail(message: string): never {
  throw new FuzzFailure(message);
}

/** What a call did: its value, or the KallocError code it threw (anything else fails the run). */
export type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

export function attempt(what: string, fn: () => unknown): Outcome {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (error instanceof KallocError) return { ok: false, code: error.code, message: error.message };
    fail(`${what}: threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}, not a KallocError`);
  }
}

/** A call that may throw: a throw must leave `state()` as it was (and be a KallocError). */
export function guarded(what: string, state: () => string, fn: () => unknown): Outcome {
  const before = state();
  const out = attempt(what, fn);
  if (!out.ok && state() !== before) fail(`${what}: threw ${out.code} but changed the state`);
  return out;
}

/** The two designs' outcomes must agree: both the same code, or both answers equal by `same`. */
export function agree(what: string, a: Outcome, b: Outcome, same: (x: unknown, y: unknown) => boolean = Object.is): void {
  if (a.ok !== b.ok) fail(`${what}: designs disagree: ${describe(a)} vs ${describe(b)}`);
  if (!a.ok && !b.ok && a.code !== b.code) fail(`${what}: designs throw ${a.code} vs ${b.code}`);
  if (a.ok && b.ok && !same(a.value, b.value)) fail(`${what}: designs answer ${describe(a)} vs ${describe(b)}`);
}

export function describe(o: Outcome): string {
  return o.ok ? JSON.stringify(o.value) ?? String(o.value) : `${o.code} (${o.message})`;
}

export function checked(what: string, ...checks: (() => void)[]): void {
  for (const c of checks) {
    try {
      c();
    } catch (error) {
      fail(`check() after ${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

export interface RunOptions {
  seed?: number;
  path?: string;
  numRuns?: number;
  maxOps?: number;
}

export interface RunResult {
  target: string;
  seed: number;
  runs: number;
  calls: number;
  failure?: string;
}

/** Runs a target's property once (numRuns sequences) from one seed; a failure carries seed and path. */
export function fuzz<Op>(target: Target<Op>, o: RunOptions = {}): RunResult {
  const seed = o.seed ?? (Math.random() * 2 ** 31) | 0;
  let calls = 0;
  let runs = 0;
  const property = fc.property(fc.array(target.op, { maxLength: o.maxOps ?? 150, size: 'max' }), (ops) => {
    runs++;
    calls += target.run(ops);
  });
  const details = fc.check(property, { seed, numRuns: o.numRuns ?? 100, ...(o.path === undefined ? {} : { path: o.path }) });
  if (!details.failed) return { target: target.name, seed, runs, calls };
  const error = details.errorInstance;
  const why = error instanceof Error ? error.message : String(error);
  return {
    target: target.name,
    seed,
    runs,
    calls,
    failure: `${target.name}: ${why}\n  replay: npm run fuzz -- --target ${target.name} --seed ${seed} --path ${details.counterexamplePath}\n  ops: ${fc.stringify(details.counterexample?.[0])}`,
  };
}
