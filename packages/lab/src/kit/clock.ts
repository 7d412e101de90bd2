/** The lab's one clock: milliseconds from performance.now(), monotonic and sub-microsecond. */
export const now = (): number => performance.now();

/** Milliseconds since `t0` (a value of now()). */
export const sinceMs = (t0: number): number => performance.now() - t0;

/** Wall time of fn() in milliseconds. */
export function timeMs(fn: () => void): number {
  const t0 = now();
  fn();
  return sinceMs(t0);
}
