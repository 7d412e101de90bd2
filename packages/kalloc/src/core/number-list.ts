/**
 * A growable list of numbers over a Float64Array: scratch work on hot paths (taken blocks,
 * search stacks, undo logs) and columns built once (trace events). Clearing is a counter reset:
 * setting a JS array's length to 0 leaves V8's fast path, and pushing into a fresh array allocates.
 */
export class NumberList {
  data: Float64Array;
  length = 0;

  constructor(capacity = 16) {
    this.data = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  pushPair(a: number, b: number): void {
    this.push(a);
    this.push(b);
  }

  pop(): number {
    return this.data[--this.length]!;
  }

  clear(): void {
    this.length = 0;
  }

  /** The filled part (a view, not a copy). */
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
