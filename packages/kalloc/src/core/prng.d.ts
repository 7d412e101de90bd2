/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so that scenarios, tests and benchmarks
 * draw the same numbers on every run and every machine.
 */
export declare class Prng {
    private a;
    private b;
    private c;
    private d;
    constructor(seed?: number);
    /** A uniform 32-bit unsigned integer. */
    u32(): number;
    /** A uniform float in [0, 1) with 53 bits of randomness. */
    float(): number;
    /** A uniform integer in [0, n) for 1 <= n <= 2^53. */
    below(n: number): number;
    /** A uniform integer in [lo, hi] (inclusive). */
    range(lo: number, hi: number): number;
    /** True with probability p. */
    chance(p: number): boolean;
    /** Fisher-Yates shuffle in place. */
    shuffle<T>(items: T[]): T[];
}
