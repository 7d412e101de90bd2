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
  return value;
}

/** An integer in [min, max]. */
export function requireInt(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalid(name, value, 'must be an integer');
  }
  if (value < min || value > max) throw invalid(name, value, `must be in [${min}, ${max}]`);
  return value;
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

/** Options objects: undefined means "all defaults"; anything but a plain object is misuse. */
export function requireOptions<T extends object>(name: string, value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(name, value, 'must be an options object');
  }
  return value;
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1 || !Number.isInteger(n)) return false;
  if (n <= 0x40000000) return (n & (n - 1)) === 0;
  return Math.pow(2, Math.round(Math.log2(n))) === n;
}

/** Every key of an options object must be one of `keys`: an unknown key is a typo (EINVAL). */
export function requireKnownKeys(name: string, options: object, keys: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!keys.includes(key)) throw invalid(`${name}.${key}`, (options as Record<string, unknown>)[key], 'is not an option');
  }
}
