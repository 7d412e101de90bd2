/**
 * A growable list of numbers over a Float64Array: scratch work on hot paths (taken blocks,
 * search stacks, undo logs) and columns built once (trace events). Clearing is a counter reset:
 * setting a JS array's length to 0 leaves V8's fast path, and pushing into a fresh array allocates.
 */
export class NumberList {
    data;
    length = 0;
    constructor(capacity = 16) {
        this.data = new Float64Array(capacity);
    }
    push(value) {
        if (this.length === this.data.length) {
            const next = new Float64Array(this.data.length * 2);
            next.set(this.data);
            this.data = next;
        }
        this.data[this.length++] = value;
    }
    pushPair(a, b) {
        this.push(a);
        this.push(b);
    }
    pop() {
        return this.data[--this.length];
    }
    clear() {
        this.length = 0;
    }
    /** The filled part (a view, not a copy). */
    values() {
        return this.data.subarray(0, this.length);
    }
}
//# sourceMappingURL=number-list.js.map