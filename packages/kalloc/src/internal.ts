// Entry `kalloc/internal`: building blocks that the lab shares with the library. Not part of the
// public contract: names and shapes may change in any release. Browser-safe, like `kalloc`.
export { invalid, fault, invariant, show } from './core/errors.ts';
export { alignUp, alignDown, ilog2, roundUpPow2, roundDownPow2 } from './core/bits.ts';
export { isPowerOfTwo, MAX_EXTENT } from './core/validate.ts';
export { NumberList } from './core/number-list.ts';
export { OffsetMap } from './core/offset-map.ts';
export { compressionOf, type Compression } from './trace/compression.ts';
