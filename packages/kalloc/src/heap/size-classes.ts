/**
 * Size classes of the per-worker slabs. A slab is one page cut into equal objects of one class.
 *
 *   16, 32, 48, ... 128          (steps of 16: one granule each)
 *   160, 192, 224, 256, 320, ...  (four classes per doubling, so at most 25% internal waste)
 *   ... up to pageSize / 2        (at least two objects per slab; larger sizes go to the pages)
 *
 * Every class is a multiple of the 16-byte granule, so every object is 16-byte aligned; an object
 * of class c is aligned to any power of two that divides c, because slabs are page-aligned.
 */
export const GRANULE = 16;
export const GRANULE_SHIFT = 4;

export interface SizeClasses {
  /** Object size of each class, ascending. */
  readonly sizes: Int32Array;
  /** Objects per one-page slab, per class. */
  readonly perSlab: Int32Array;
  /** Class index for a size of g granules (index g = ceil(size / 16)), for g <= maxSmall / 16. */
  readonly byGranules: Uint8Array;
  /** The largest size served by slabs: pageSize / 2. */
  readonly maxSmall: number;
}

export function sizeClasses(pageSize: number): SizeClasses {
  const maxSmall = pageSize / 2;
  const list: number[] = [];
  for (let s = GRANULE; s <= Math.min(128, maxSmall); s += GRANULE) list.push(s);
  for (let base = 128; base < maxSmall; base *= 2) {
    for (let q = 1; q <= 4; q++) list.push(base + (base / 4) * q);
  }
  const sizes = Int32Array.from(list);
  const perSlab = sizes.map((s) => Math.floor(pageSize / s));
  const byGranules = new Uint8Array(maxSmall / GRANULE + 1);
  for (let g = 0, c = 0; g < byGranules.length; g++) {
    while (sizes[c]! < g * GRANULE) c++;
    byGranules[g] = c;
  }
  return { sizes, perSlab, byGranules, maxSmall };
}

/**
 * The smallest class that holds `size` bytes at alignment `align` (both <= maxSmall), or -1.
 * An object of class c is aligned to `align` when c is a multiple of it (see above).
 */
export function classFor(classes: SizeClasses, size: number, align: number): number {
  const c = classes.byGranules[(size + GRANULE - 1) >>> GRANULE_SHIFT]!;
  if (align <= GRANULE) return c;
  for (let k = c; k < classes.sizes.length; k++) if (classes.sizes[k]! % align === 0) return k;
  return -1;
}
