/** Human-readable figures for tables and reports. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 -> "1.5 KiB"; exact powers print without decimals ("4 KiB"). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 2 : 1);
  return `${text} ${UNITS[unit]}`;
}

/** A number with thousands separators and at most `digits` decimals. */
export function formatNumber(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const d = Number.isInteger(value) ? 0 : abs >= 100 ? 0 : abs >= 10 ? 1 : digits;
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** The largest ratio printed as a number; beyond it ">1000x" (and below its inverse "<0.001x"). */
export const RATIO_LIMIT = 1000;

/** A ratio such as "3.41x"; "0x" for none of it; "—" where it means nothing (a division by zero, NaN). */
export function formatRatio(ratio: number): string {
  if (ratio === 0) return '0x';
  if (!Number.isFinite(ratio) || ratio < 0) return NO_RATIO;
  if (ratio > RATIO_LIMIT) return `>${RATIO_LIMIT}x`;
  if (ratio < 1 / RATIO_LIMIT) return `<${1 / RATIO_LIMIT}x`;
  return `${ratio >= 100 ? ratio.toFixed(0) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}x`;
}

/** What a table shows for a ratio that means nothing (0 vs 0, x vs 0). */
export const NO_RATIO = '—';

/** Parses "4096", "4K", "4KiB", "1.5M", "2G" into bytes. Returns undefined for anything else. */
export function parseBytes(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const power = ' kmgtp'.indexOf((m[2] || ' ').toLowerCase());
  const value = Number(m[1]) * 1024 ** power;
  return Number.isSafeInteger(value) ? value : undefined;
}
