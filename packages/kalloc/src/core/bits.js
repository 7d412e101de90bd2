/**
 * Integer helpers for numbers up to 2^53. JavaScript's bitwise operators work on 32 bits, so
 * anything that may exceed 2^31 goes through these instead of `&`, `|` and `<<`.
 */
const TWO32 = 0x1_0000_0000;
/** floor(log2(n)) for an integer n >= 1. */
export function ilog2(n) {
    if (n < TWO32)
        return 31 - Math.clz32(n);
    return 32 + 31 - Math.clz32(Math.floor(n / TWO32));
}
/** Number of trailing zero bits of an integer n >= 1 (n = 0 yields 64, like offset 0 in gpu_buddy). */
export function ctz(n) {
    if (n === 0)
        return 64;
    const low = n % TWO32;
    if (low !== 0)
        return 31 - Math.clz32(low & -low);
    const high = Math.floor(n / TWO32);
    return 32 + 31 - Math.clz32(high & -high);
}
/** The smallest power of two >= n (n >= 1). */
export function roundUpPow2(n) {
    const p = 2 ** ilog2(n);
    return p === n ? p : p * 2;
}
/** The largest power of two <= n (n >= 1). */
export function roundDownPow2(n) {
    return 2 ** ilog2(n);
}
/** Rounds n up to a multiple of the power of two `align`. */
export function alignUp(n, align) {
    if (align === 1)
        return n;
    const r = n % align;
    return r === 0 ? n : n - r + align;
}
/** Rounds n down to a multiple of the power of two `align`. */
export function alignDown(n, align) {
    return align === 1 ? n : n - (n % align);
}
/** Number of set bits of a non-negative integer <= 2^53. */
export function popcount(n) {
    let count = 0;
    for (let high = Math.floor(n / TWO32), low = n % TWO32; high !== 0 || low !== 0;) {
        if (low !== 0) {
            low &= low - 1;
            low >>>= 0;
        }
        else {
            high &= high - 1;
            high >>>= 0;
        }
        count++;
    }
    return count;
}
//# sourceMappingURL=bits.js.map