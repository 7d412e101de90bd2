import { textLines } from './lines.ts';
import { SkipLog } from './skips.ts';

/** One line of /proc/vmallocinfo: a busy area [start, end) of the vmalloc space. */
export interface VmallocArea {
  /** Bytes from the lowest area's start (the first line's start in a sorted file). */
  start: number;
  end: number;
  size: number;
  /** The allocating function as the kernel prints it ("kernel_clone+0x94/0x3e0"), or "". */
  caller: string;
  /** The area's flags as words ("vmalloc", "ioremap", "vmap", "vmalloc vpages", ...), or
   *  "unpurged" for a lazily freed area not yet returned, "vm_map_ram" for a vm_map_ram block. */
  kind: string;
}

export interface VmallocInfo {
  areas: VmallocArea[];
  /**
   * True when the addresses are hashed (%pK with kptr_restrict = 0 and no CAP_SYSLOG): then
   * end - start != size and the positions are meaningless. The areas are laid out back to back
   * in file order instead, so sizes and callers still add up but gaps do not exist.
   */
  hashed: boolean;
  /** The kernel address the areas' offsets count from (the lowest start); absent when hashed or empty. */
  base?: bigint;
}

// mm/vmalloc.c vmalloc_info_show(): "0x%pK-0x%pK %7ld" then " %pS" (caller), " pages=%d",
// " phys=%pa", the flag words, " N%u=%u" per node; or "... %7ld unpurged vm_area" / "vm_map_ram".
const LINE = /^0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\d+)(.*)$/i;
const FLAG_WORDS = new Set(['ioremap', 'sparse', 'vmalloc', 'vmap', 'user', 'dma-coherent', 'vpages', 'vm_map_ram']);
const ATTRIBUTE = /^(pages|phys|N\d+)=/;

/** Parses /proc/vmallocinfo, with addresses rebased so they fit in a number. */
export function parseVmallocinfo(text: string, skipped = new SkipLog()): VmallocArea[] {
  return readVmallocinfo(text, skipped).areas;
}

/** parseVmallocinfo() plus whether the addresses were hashed. */
export function readVmallocinfo(text: string, skipped = new SkipLog()): VmallocInfo {
  const raw: { start: bigint; end: bigint; size: number; caller: string; kind: string }[] = [];
  textLines(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const m = LINE.exec(line);
    const size = m ? Number(m[3]) : NaN;
    if (!m || !Number.isSafeInteger(size)) {
      skipped.add('not a vmallocinfo line', i + 1, line);
      return;
    }
    const { caller, kind } = describe(m[4]!.trim().split(/\s+/).filter(Boolean));
    raw.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), size, caller, kind });
  });
  if (raw.length === 0) return { areas: [], hashed: false };

  const hashed = raw.some((a) => a.end - a.start !== BigInt(a.size));
  if (hashed) {
    let at = 0;
    const areas = raw.map(({ size, caller, kind }) => {
      const area = { start: at, end: at + size, size, caller, kind };
      at += size;
      return area;
    });
    return { areas, hashed };
  }
  // Newer kernels list areas per vmap node and the lazily freed ones last, so the first line is
  // not always the lowest: rebase to the lowest start, which is the first line's when sorted.
  const base = raw.reduce((min, a) => (a.start < min ? a.start : min), raw[0]!.start);
  const areas = raw.map(({ start, end, size, caller, kind }) => ({
    start: Number(start - base),
    end: Number(end - base),
    size,
    caller,
    kind,
  }));
  return { areas, hashed, base };
}

function describe(tokens: string[]): { caller: string; kind: string } {
  if (tokens[0] === 'unpurged' && tokens[1] === 'vm_area') return { caller: '', kind: 'unpurged' };
  const flags: string[] = [];
  let caller = '';
  for (const t of tokens) {
    if (FLAG_WORDS.has(t)) flags.push(t);
    else if (!ATTRIBUTE.test(t) && caller === '') caller = t;
  }
  return { caller, kind: flags.join(' ') };
}
