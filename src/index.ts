// Public exports of kalloc. Everything a user imports comes from here.
export { KallocError, type KallocErrorCode } from './core/errors.ts';
export { Prng } from './core/prng.ts';
export { fragmentationIndex, unusableIndex } from './page/fragmentation.ts';
