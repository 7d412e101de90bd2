/**
 * The one error type kalloc throws. Out of space is never an error (allocators return
 * `undefined`); misuse is, and the message names the argument and the value.
 */
export type KallocErrorCode = 'EINVAL' | 'EFAULT' | 'EBUSY' | 'ECORRUPT';
export declare class KallocError extends Error {
    readonly code: KallocErrorCode;
    constructor(code: KallocErrorCode, message: string);
}
/** Renders a value for an error message: numbers exactly, strings quoted, the rest by type. */
export declare function show(value: unknown): string;
export declare function invalid(name: string, value: unknown, why: string): KallocError;
export declare function fault(message: string): KallocError;
/** For check(): throws ECORRUPT naming the broken invariant when `ok` is false. */
export declare function invariant(ok: boolean, what: string | (() => string)): asserts ok;
