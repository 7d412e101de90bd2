import { invalid } from './errors.ts';

/** Sizes and offsets may go up to 2^53 inclusive (DESIGN.md). */
export const MAX_EXTENT = 2 ** 53;

/** A non-negative integer <= 2^53; `positive` also rejects 0. Returns the value for chaining. */
export function requireExtent(name: string, value: unknown, positive = false): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid(name, value, 'must be an integer');
  }
  if (value < 0) throw invalid(name, value, 'must not be negative');
  if (value > MAX_EXTENT) throw invalid(name, value, 'must be at most 2^53');
  if (positive && value === 0) throw invalid(name, value, 'must be greater than 0');
  return value + 0; // -0 reads as 0
}

/** An integer in [min, max]. */
export function requireInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid(name, value, 'must be an integer');
  }
  if (value < min || value > max) throw invalid(name, value, `must be in [${min}, ${max}]`);
  return value + 0; // -0 reads as 0
}

/** A power of two in [min, 2^53]. */
export function requirePowerOfTwo(name: string, value: unknown, min = 1): number {
  requireExtent(name, value, true);
  const n = value as number;
  if (!isPowerOfTwo(n)) throw invalid(name, value, 'must be a power of two');
  if (n < min) throw invalid(name, value, `must be at least ${min}`);
  return n;
}

export function requireBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(name, value, 'must be a boolean');
  return value;
}

/**
 * Options objects: undefined means "all defaults"; anything but a plain object is misuse, and so
 * is a key not in `keys` (a typo such as `alignment` must not silently mean "no alignment").
 */
export function requireOptions<T extends object>(name: string, value: T | undefined, keys: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(name, value, 'must be an options object');
  }
  for (const key in value) {
    if (!isKnown(keys, key)) throw invalid(`${name}.${key}`, (value as Record<string, unknown>)[key], `is not an option (known: ${keys.join(', ')})`);
  }
  return value;
}

/** keys.includes(key) without the builtin call (options are checked on every alloc and free). */
function isKnown(keys: readonly string[], key: string): boolean {
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return true;
  return false;
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1 || !Number.isInteger(n)) return false;
  if (n <= 0x40000000) return (n & (n - 1)) === 0;
  return Math.pow(2, Math.round(Math.log2(n))) === n;
}
