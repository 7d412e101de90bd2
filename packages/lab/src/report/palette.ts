/**
 * Colours shared by the charts and the memory maps, so a design or a state has one colour across
 * the whole report. Designs: the new design first (blue), the baseline second (orange), peers after.
 */
export const DESIGN_COLORS = ['#1f5fa8', '#e07b24', '#4a9e5c', '#8e5bb5', '#c2444e', '#6b7a8a', '#b38f1d', '#2aa3a3'];

/** Colours of common memory-map states; other states take the next free colour of STATE_CYCLE. */
export const STATE_COLORS: Record<string, string> = {
  free: '#e4eaf1',
  busy: '#1f5fa8',
  used: '#1f5fa8',
  allocated: '#1f5fa8',
  dirty: '#1f5fa8',
  clear: '#5fb58a',
  cleared: '#5fb58a',
  unmovable: '#c2444e',
  movable: '#3f86d0',
  reclaimable: '#e0a526',
  highatomic: '#8e5bb5',
  cma: '#2aa3a3',
  isolate: '#6b7a8a',
  pcp: '#8e5bb5',
  reserved: '#6b7a8a',
  unpurged: '#b8a6d9',
  'not free': '#d5dbe1',
  clean: '#4a9e5c',
  tainted: '#c2444e',
  '1 gib page': '#1f5fa8',
};

const STATE_CYCLE = ['#1f5fa8', '#e07b24', '#4a9e5c', '#8e5bb5', '#c2444e', '#2aa3a3', '#b38f1d', '#6b7a8a', '#d66fa3', '#7fa83a'];

/** Free memory of order k of n orders: light (small blocks) to dark (the largest). */
export function orderColor(k: number, n: number): string {
  const t = n <= 1 ? 1 : k / (n - 1);
  const mix = (a: number, b: number): string => Math.round(a + (b - a) * t).toString(16).padStart(2, '0');
  return `#${mix(0xf2, 0x0b)}${mix(0xc9, 0x3d)}${mix(0x8a, 0x7a)}`;
}

/** Background of address space that no segment covers. */
export const UNCOVERED_COLOR = '#ffffff';

/** Assigns colours to states: explicit ones first, then the known names, then the cycle. */
export function stateColors(states: Iterable<string>, explicit: Record<string, string> = {}): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  const rest: string[] = [];
  for (const s of new Set(states)) {
    const c = explicit[s] ?? STATE_COLORS[s.toLowerCase()];
    if (c) {
      out.set(s, c);
      taken.add(c);
    } else rest.push(s);
  }
  const unused = STATE_CYCLE.filter((c) => !taken.has(c));
  const pool = unused.length > 0 ? unused : STATE_CYCLE;
  rest.forEach((s, k) => out.set(s, pool[k % pool.length]!));
  return out;
}
