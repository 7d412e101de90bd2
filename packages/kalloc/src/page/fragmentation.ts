import { invalid } from '../core/errors.ts';

/**
 * The kernel's fragmentation figures (mm/vmstat.c), exactly, in integer arithmetic.
 * `freeBlocks[k]` is the number of free blocks of order k, as in /proc/buddyinfo.
 */

interface ContigInfo {
  freeBlocksTotal: number;
  freePages: number;
  freeBlocksSuitable: number;
}

// fill_contig_page_info(): totals over every order, and how many blocks of `order` the free
// blocks of order >= `order` would make.
function contigInfo(freeBlocks: readonly number[], order: number): ContigInfo {
  let freeBlocksTotal = 0;
  let freePages = 0;
  let freeBlocksSuitable = 0;
  for (let k = 0; k < freeBlocks.length; k++) {
    const blocks = freeBlocks[k]!;
    freeBlocksTotal += blocks;
    freePages += blocks * 2 ** k;
    if (k >= order) freeBlocksSuitable += blocks * 2 ** (k - order);
  }
  return { freeBlocksTotal, freePages, freeBlocksSuitable };
}

function validate(freeBlocks: readonly number[], order: number): void {
  if (!Array.isArray(freeBlocks)) throw invalid('freeBlocks', freeBlocks, 'must be an array of counts per order');
  freeBlocks.forEach((n, k) => {
    if (!Number.isSafeInteger(n) || n < 0) throw invalid(`freeBlocks[${k}]`, n, 'must be a non-negative integer');
  });
  if (!Number.isInteger(order) || order < 0) throw invalid('order', order, 'must be a non-negative integer');
}

/**
 * __fragmentation_index(): -1000 when a block of `order` is free (the allocation would
 * succeed), 0 when nothing is free, otherwise 0 (failure from lack of memory) .. 1000 (failure
 * from fragmentation). An order beyond the largest order (freeBlocks.length - 1) gives 0, as the
 * kernel returns 0 (with a warning) for order > MAX_PAGE_ORDER.
 */
export function fragmentationIndex(freeBlocks: readonly number[], order: number): number {
  validate(freeBlocks, order);
  if (order > freeBlocks.length - 1) return 0;
  const info = contigInfo(freeBlocks, order);
  if (info.freeBlocksTotal === 0) return 0;
  if (info.freeBlocksSuitable > 0) return -1000;
  const requested = 2 ** order;
  return 1000 - Math.floor((1000 + Math.floor((info.freePages * 1000) / requested)) / info.freeBlocksTotal);
}

/**
 * unusable_free_index(): the share of free memory, in thousandths, that cannot serve an
 * allocation of `order`. 1000 when nothing is free.
 */
export function unusableIndex(freeBlocks: readonly number[], order: number): number {
  validate(freeBlocks, order);
  const info = contigInfo(freeBlocks, order);
  if (info.freePages === 0) return 1000;
  return Math.floor(((info.freePages - info.freeBlocksSuitable * 2 ** order) * 1000) / info.freePages);
}
