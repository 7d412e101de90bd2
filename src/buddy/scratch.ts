/**
 * A reusable growable list of numbers for scratch work on hot paths (taken blocks, search
 * stacks, undo logs). Clearing is a counter reset: setting a JS array's length to 0 leaves
 * V8's fast path, and pushing into a fresh array allocates.
 */
export class ScratchList {
  data = new Float64Array(16);
  length = 0;

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
}
