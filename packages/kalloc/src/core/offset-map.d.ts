export declare class OffsetMap {
    /** Key and value side by side (slot i at 2i, 2i + 1): a probe touches one cache line. */
    private slots;
    private mask;
    private count;
    constructor(capacity?: number);
    get size(): number;
    get byteLength(): number;
    private slot;
    /** The value stored for key, or undefined. */
    get(key: number): number | undefined;
    has(key: number): boolean;
    /** Inserts or replaces. */
    set(key: number, value: number): void;
    /** Removes key; returns its value, or undefined if absent. */
    delete(key: number): number | undefined;
    clear(): void;
    /** All entries (not for hot paths). */
    entries(): IterableIterator<[number, number]>;
    private rehash;
}
