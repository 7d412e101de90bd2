/** Sizes and offsets may go up to 2^53 inclusive (DESIGN.md). */
export declare const MAX_EXTENT: number;
/** A non-negative integer <= 2^53; `positive` also rejects 0. Returns the value for chaining. */
export declare function requireExtent(name: string, value: unknown, positive?: boolean): number;
/** An integer in [min, max]. */
export declare function requireInt(name: string, value: unknown, min: number, max: number): number;
/** A power of two in [min, 2^53]. */
export declare function requirePowerOfTwo(name: string, value: unknown, min?: number): number;
export declare function requireBoolean(name: string, value: unknown): boolean;
/** Options objects: undefined means "all defaults"; anything but a plain object is misuse. */
export declare function requireOptions<T extends object>(name: string, value: T | undefined): Partial<T>;
export declare function isPowerOfTwo(n: number): boolean;
