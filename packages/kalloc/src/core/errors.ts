/**
 * The one error type kalloc throws. Out of space is never an error (allocators return
 * `undefined`); misuse is, and the message names the argument and the value.
 */
export type KallocErrorCode =
  | 'EINVAL' // a bad argument
  | 'EFAULT' // not an allocated block or offset of this allocator
  | 'EBUSY' // the range is held
  | 'ECORRUPT'; // check() found a broken invariant

export class KallocError extends Error {
  readonly code: KallocErrorCode;

  constructor(code: KallocErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'KallocError';
    this.code = code;
  }
}

/** Renders a value for an error message: numbers exactly, strings quoted, the rest by type. */
export function show(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

export function invalid(name: string, value: unknown, why: string): KallocError {
  return new KallocError('EINVAL', `${name} = ${show(value)}: ${why}`);
}

export function fault(message: string): KallocError {
  return new KallocError('EFAULT', message);
}

/** For check(): throws ECORRUPT naming the broken invariant when `ok` is false. */
export function invariant(ok: boolean, what: string | (() => string)): asserts ok {
  if (!ok) throw new KallocError('ECORRUPT', typeof what === 'string' ? what : what());
}
