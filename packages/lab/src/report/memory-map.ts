import { formatBytes, formatNumber } from '../format.ts';
import type { MemoryMap } from '../scenario.ts';
import { escapeHtml } from './escape.ts';
import { stateColors, UNCOVERED_COLOR } from './palette.ts';

/**
 * Memory maps as hand-written SVG: one address strip per design, drawn to scale. However many
 * segments a map has (millions of pages), the strip is aggregated to pixel columns first: each
 * column gets the share of its address range each state covers, and is painted with the states'
 * colours mixed in those proportions — a column half used, half free reads as a mid tone, so
 * fragmentation is visible at a glance. Runs of identical columns become one <rect> with a
 * <title> tooltip giving the range and its mix.
 */

const WIDTH = 960;
const RIGHT_PAD = 16;
const CHAR_W = 6.6; // average advance of the 11.5px label font
const STRIP_H = 26;
const LEGEND_ROW_H = 20;
const ROW_GAP = 34; // below a strip: its summary line (and ticks when the row has its own scale)
const TICKS_H = 18;
const NONE = '(not covered)';

export interface ColumnShares {
  states: string[];
  columns: number;
  /** shares[c * states.length + s] = the fraction of column c covered by state s. */
  shares: Float64Array;
  /** Units of each state over the whole map. */
  totals: number[];
}

/** The share of each column's address range each state covers. O(segments + columns). */
export function columnShares(map: MemoryMap, columns: number): ColumnShares {
  const states: string[] = [];
  const index = new Map<string, number>();
  for (const seg of map.segments) {
    if (!index.has(seg.state)) {
      index.set(seg.state, states.length);
      states.push(seg.state);
    }
  }
  const S = states.length;
  const shares = new Float64Array(columns * S);
  const totals = new Array<number>(S).fill(0);
  const span = map.end - map.start;
  if (span <= 0) return { states, columns, shares, totals };
  const perColumn = span / columns;
  for (const seg of map.segments) {
    const a = Math.max(seg.start, map.start);
    const b = Math.min(seg.end, map.end);
    if (b <= a) continue;
    const s = index.get(seg.state)!;
    totals[s]! += b - a;
    const x0 = (a - map.start) / perColumn;
    const x1 = (b - map.start) / perColumn;
    const last = Math.min(columns - 1, Math.ceil(x1) - 1);
    for (let c = Math.floor(x0); c <= last; c++) {
      const overlap = Math.min(x1, c + 1) - Math.max(x0, c);
      if (overlap > 0) shares[c * S + s]! += overlap;
    }
  }
  return { states, columns, shares, totals };
}

/** Renders the maps, grouped by title: one <figure> with one SVG per group, a row per design. */
export function renderMemoryMaps(maps: readonly MemoryMap[]): string {
  const groups = new Map<string, MemoryMap[]>();
  for (const m of maps) {
    const group = groups.get(m.title);
    if (group) group.push(m);
    else groups.set(m.title, [m]);
  }
  return [...groups.entries()].map(([title, group]) => renderGroup(title, group)).join('\n');
}

function renderGroup(title: string, maps: MemoryMap[]): string {
  const explicit = Object.assign({}, ...maps.map((m) => m.colors ?? {})) as Record<string, string>;
  // The label column fits the longest design name; the strip takes the rest, a column per pixel.
  const labelW = Math.round(Math.min(280, Math.max(90, 20 + CHAR_W * Math.max(...maps.map((m) => m.design.length)))));
  const g: Geometry = { labelW, stripW: WIDTH - labelW - RIGHT_PAD };
  const rows = maps.map((m) => ({ map: m, cols: columnShares(m, g.stripW) }));
  // Legend order: the order the map's author listed colours in, then first appearance.
  const present = new Set(rows.flatMap((r) => r.cols.states));
  const colors = stateColors([...Object.keys(explicit).filter((s) => present.has(s)), ...present], explicit);
  const sharedScale = maps.every((m) => m.start === maps[0]!.start && m.end === maps[0]!.end);
  const anyUncovered = rows.some((r) => r.cols.totals.reduce((x, y) => x + y, 0) < r.map.end - r.map.start);

  const legendStates = [...colors.keys(), ...(anyUncovered ? [NONE] : [])];
  const legend = renderLegend(legendStates, colors, g);
  const parts: string[] = [];
  let y = legend.height + 6;
  rows.forEach(({ map, cols }, i) => {
    parts.push(renderRow(map, cols, colors, y, g));
    y += STRIP_H;
    const ownTicks = !sharedScale || i === rows.length - 1;
    if (ownTicks) {
      parts.push(renderTicks(map, y, g));
      y += TICKS_H;
    }
    parts.push(`<text class="mm-summary" x="${g.labelW}" y="${y + 12}">${escapeHtml(summary(map, cols, Math.floor(g.stripW / CHAR_W)))}</text>`);
    y += ROW_GAP - 12;
  });
  const height = y + 4;
  const svg = [
    `<svg class="memory-map" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
    legend.svg,
    ...parts,
    '</svg>',
  ].join('\n');
  return `<figure class="map"><figcaption>${escapeHtml(title)}</figcaption>\n${svg}\n</figure>`;
}

interface Geometry {
  labelW: number;
  stripW: number;
}

/** Legend swatches in rows over the strip, wrapping at the right edge. */
function renderLegend(states: string[], colors: Map<string, string>, g: Geometry): { svg: string; height: number } {
  let x = g.labelW;
  let y = 6;
  const items = states.map((s) => {
    const w = 28 + s.length * CHAR_W;
    if (x + w > WIDTH - RIGHT_PAD && x > g.labelW) {
      x = g.labelW;
      y += LEGEND_ROW_H;
    }
    const fill = colors.get(s) ?? UNCOVERED_COLOR;
    const item = `<rect x="${x}" y="${y}" width="12" height="12" rx="2" fill="${escapeHtml(fill)}" stroke="#8a96a3" stroke-width="0.5"/><text class="mm-legend" x="${x + 17}" y="${y + 10}">${escapeHtml(s)}</text>`;
    x += w;
    return item;
  });
  return { svg: items.join(''), height: y + LEGEND_ROW_H };
}

function renderRow(map: MemoryMap, cols: ColumnShares, colors: Map<string, string>, y: number, g: Geometry): string {
  const S = cols.states.length;
  const rgb = cols.states.map((s) => hexToRgb(colors.get(s)!));
  const blank = hexToRgb(UNCOVERED_COLOR);
  const rects: string[] = [];
  let runStart = 0;
  let runKey = '';
  const perColumn = (map.end - map.start) / cols.columns;
  const flush = (end: number) => {
    if (end <= runStart) return;
    const [fill, mix] = runKey.split('|');
    const a = map.start + runStart * perColumn;
    const b = map.start + end * perColumn;
    const tip = `${map.design}: ${address(map, a)} – ${address(map, b)} (${extent(map, b - a)}): ${mix}`;
    rects.push(`<rect x="${g.labelW + runStart}" y="${y}" width="${end - runStart}" height="${STRIP_H}" fill="${fill}"><title>${escapeHtml(tip)}</title></rect>`);
  };
  for (let c = 0; c < cols.columns; c++) {
    let r = 0, g = 0, b = 0, covered = 0;
    const mix: string[] = [];
    for (let s = 0; s < S; s++) {
      const w = cols.shares[c * S + s]!;
      if (w <= 0) continue;
      covered += w;
      r += w * rgb[s]![0];
      g += w * rgb[s]![1];
      b += w * rgb[s]![2];
      mix.push(`${cols.states[s]} ${Math.round(w * 100)}%`);
    }
    const rest = Math.max(0, 1 - covered);
    if (rest > 1e-9) mix.push(`${NONE} ${Math.round(rest * 100)}%`);
    r += rest * blank[0];
    g += rest * blank[1];
    b += rest * blank[2];
    const key = `${rgbToHex(r, g, b)}|${mix.join(', ')}`;
    if (key !== runKey) {
      flush(c);
      runStart = c;
      runKey = key;
    }
  }
  flush(cols.columns);
  const label = `<text class="mm-design" x="${g.labelW - 10}" y="${y + STRIP_H / 2 + 4}" text-anchor="end">${escapeHtml(map.design)}</text>`;
  const frame = `<rect x="${g.labelW - 0.5}" y="${y - 0.5}" width="${g.stripW + 1}" height="${STRIP_H + 1}" fill="none" stroke="#8a96a3"/>`;
  return `<g class="mm-row">${label}${rects.join('')}${frame}</g>`;
}

function renderTicks(map: MemoryMap, y: number, g: Geometry): string {
  const span = map.end - map.start;
  if (span <= 0) return '';
  // A small window far from 0 reads better as offsets from its start ("+512 KiB").
  // So does a kernel address space: its first tick names the address, the others the offset.
  const relative = map.origin !== undefined || (map.start > 0 && span < map.start / 16);
  // A power-of-two step giving 4..8 ticks reads naturally for address space.
  let step = 2 ** Math.ceil(Math.log2(span / 8));
  if (span / step < 4) step /= 2;
  const out: string[] = [];
  const origin = relative ? map.start : 0;
  const first = origin + Math.ceil((map.start - origin) / step) * step;
  if (map.origin !== undefined && first !== map.start) out.push(tickAt(map, map.start, address(map, map.start), y, g));
  for (let v = first; v <= map.end; v += step) {
    const label = relative && v !== map.start ? `+${tickLabel(map, v - map.start)}` : map.origin !== undefined ? address(map, v) : tickLabel(map, v);
    out.push(tickAt(map, v, label, y, g));
  }
  return out.join('');
}

function tickAt(map: MemoryMap, v: number, label: string, y: number, g: Geometry): string {
  const x = g.labelW + ((v - map.start) / (map.end - map.start)) * g.stripW;
  const anchor = x < g.labelW + 30 ? 'start' : x > g.labelW + g.stripW - 30 ? 'end' : 'middle';
  return `<line x1="${x}" x2="${x}" y1="${y}" y2="${y + 4}" stroke="#8a96a3"/><text class="mm-tick" x="${x}" y="${y + 14}" text-anchor="${anchor}">${escapeHtml(label)}</text>`;
}

function tickLabel(map: MemoryMap, v: number): string {
  return map.unit === 'bytes' ? (v === 0 ? '0' : formatBytes(v)) : `${formatCount(v)}${v === 0 ? ' pages' : ''}`;
}

/** 262144 -> "256Ki". */
function formatCount(n: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let u = 0;
  let v = n;
  while (v >= 1024 && v % 1024 === 0 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${formatNumber(v)}${units[u]}`;
}

function address(map: MemoryMap, v: number): string {
  const whole = Math.round(v);
  if (map.origin !== undefined) return `0x${(BigInt(map.origin) + BigInt(whole)).toString(16)}`;
  return map.unit === 'bytes' ? `0x${whole.toString(16)}` : `pfn 0x${whole.toString(16)}`;
}

function extent(map: MemoryMap, units: number): string {
  return map.unit === 'bytes' ? formatBytes(Math.round(units)) : `${formatNumber(Math.round(units))} pages`;
}

/** The largest states' totals, then the segment count, in at most `chars` characters. */
function summary(map: MemoryMap, cols: ColumnShares, chars: number): string {
  const span = map.end - map.start;
  const order = cols.states.map((_, i) => i).sort((a, b) => cols.totals[b]! - cols.totals[a]!);
  const parts = order.map((i) => `${cols.states[i]} ${extent(map, cols.totals[i]!)} (${pct(cols.totals[i]! / span)})`);
  const n = map.segments.length;
  const tail = ` — ${formatNumber(n)} segment${n === 1 ? '' : 's'} over ${extent(map, span)}`;
  let text = parts.join(' · ') + tail;
  // Drop the smallest states (then the tail) until the line fits under the strip.
  for (let keep = parts.length - 1; text.length > chars && keep >= 1; keep--) {
    text = `${parts.slice(0, keep).join(' · ')} · ${parts.length - keep} more${keep > 1 ? tail : ''}`;
  }
  return text;
}

function pct(x: number): string {
  return `${x >= 0.1 ? Math.round(x * 100) : (x * 100).toFixed(1)}%`;
}

/** "#rrggbb" or "#rgb"; any other CSS colour mixes as mid grey (the legend still shows it). */
function hexToRgb(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  const digits = m ? (m[1]!.length === 3 ? m[1]!.replace(/./g, '$&$&') : m[1]!) : '888888';
  const v = parseInt(digits, 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function rgbToHex(r: number, g: number, b: number): string {
  const h = (x: number) => Math.round(Math.min(255, Math.max(0, x))).toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}
