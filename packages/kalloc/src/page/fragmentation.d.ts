/**
 * __fragmentation_index(): -1000 when a block of `order` is free (the allocation would
 * succeed), 0 when nothing is free, otherwise 0 (failure from lack of memory) .. 1000 (failure
 * from fragmentation). An order beyond the largest order (freeBlocks.length - 1) gives 0, as the
 * kernel returns 0 (with a warning) for order > MAX_PAGE_ORDER.
 */
export declare function fragmentationIndex(freeBlocks: readonly number[], order: number): number;
/**
 * unusable_free_index(): the share of free memory, in thousandths, that cannot serve an
 * allocation of `order`. 1000 when nothing is free.
 */
export declare function unusableIndex(freeBlocks: readonly number[], order: number): number;
