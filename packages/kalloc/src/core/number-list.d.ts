/**
 * A growable list of numbers over a Float64Array: scratch work on hot paths (taken blocks,
 * search stacks, undo logs) and columns built once (trace events). Clearing is a counter reset:
 * setting a JS array's length to 0 leaves V8's fast path, and pushing into a fresh array allocates.
 */
export declare class NumberList {
    data: Float64Array;
    length: number;
    constructor(capacity?: number);
    push(value: number): void;
    pushPair(a: number, b: number): void;
    pop(): number;
    clear(): void;
    /** The filled part (a view, not a copy). */
    values(): Float64Array;
}
