/**
 * A byte pattern derived from an allocation's offset. Tests fill every allocation with it and
 * verify it at free: two live allocations that overlap, or an allocator that writes into a live
 * object, break one of the patterns.
 */
export function patternByte(offset: number, i: number): number {
  return (offset * 7 + (offset >>> 9) + i * 13) & 255;
}

export function fillPattern(bytes: Uint8Array, offset: number): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = patternByte(offset, i);
}

/** The index of the first byte that differs from the pattern, or -1. */
export function findPatternError(bytes: Uint8Array, offset: number): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== patternByte(offset, i)) return i;
  return -1;
}
