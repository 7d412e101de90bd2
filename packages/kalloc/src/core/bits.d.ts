/**
 * Integer helpers for numbers up to 2^53. JavaScript's bitwise operators work on 32 bits, so
 * anything that may exceed 2^31 goes through these instead of `&`, `|` and `<<`.
 */
/** floor(log2(n)) for an integer n >= 1. */
export declare function ilog2(n: number): number;
/** Number of trailing zero bits of an integer n >= 1 (n = 0 yields 64, like offset 0 in gpu_buddy). */
export declare function ctz(n: number): number;
/** The smallest power of two >= n (n >= 1). */
export declare function roundUpPow2(n: number): number;
/** The largest power of two <= n (n >= 1). */
export declare function roundDownPow2(n: number): number;
/** Rounds n up to a multiple of the power of two `align`. */
export declare function alignUp(n: number, align: number): number;
/** Rounds n down to a multiple of the power of two `align`. */
export declare function alignDown(n: number, align: number): number;
/** Number of set bits of a non-negative integer <= 2^53. */
export declare function popcount(n: number): number;
