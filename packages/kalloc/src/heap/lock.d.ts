/** Returns true when the caller had to wait (for contention statistics). */
export declare function lock(words: Int32Array, at: number): boolean;
export declare function unlock(words: Int32Array, at: number): void;
