import type { TraceEvent } from './events.ts';
import { lineBatches, type TextInput } from './lines.ts';
import { SkipLog } from './skips.ts';

/**
 * Reads the text of a Linux ftrace buffer (/sys/kernel/tracing/trace, `trace-cmd report`) line by
 * line and yields the allocator events it knows. Every line has the header
 *
 *     <task>-<pid> [(<tgid>)] [<cpu>] [<flags>] <seconds>: <event>: <fields>
 *
 * and the fields follow the kernel's TP_printk formats (include/trace/events/kmem.h, vmalloc.h):
 *
 *     mm_page_alloc:             page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s
 *     mm_page_free:              page=%p pfn=0x%lx order=%d
 *     mm_page_free_batched:      page=%p pfn=0x%lx order=0
 *     mm_page_pcpu_drain:        page=%p pfn=0x%lx order=%d migratetype=%d
 *     mm_page_alloc_zone_locked: page=%p pfn=0x%lx order=%u migratetype=%d percpu_refill=%d
 *     alloc_vmap_area:           va_start: %lu size=%lu align=%lu vstart=0x%lx vend=0x%lx failed=%d
 *     free_vmap_area_noflush:    va_start=0x%lx nr_lazy=%lu nr_lazy_max=%lu
 *     purge_vmap_area_lazy:      start=0x%lx end=0x%lx num_purged=%u
 *
 * Older kernels print `pfn=%lu` (decimal); both are read. A failed mm_page_alloc prints pfn 0.
 * Comment lines (#) are ignored; anything else that is not one of these events is counted in
 * `options.skipped` by kind, never fatal.
 */
export interface ReadOptions {
  /** Receives the lines that were not used, by kind. */
  skipped?: SkipLog;
  /** The address vmap addresses are made relative to (a /proc/vmallocinfo snapshot's base, so
   *  both agree); default the first vstart seen. */
  vmallocBase?: bigint;
}

// The header up to the event name. The task name may contain spaces and dashes, so the match
// anchors on "-<pid> ... [<cpu>]" rather than on the start of the line.
const HEADER = /-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:\S+\s+)?(\d+(?:\.\d+)?):\s+(\w+):/;

type Emit = (event: TraceEvent) => void;

/**
 * free_vmap_area_noflush events held while no alloc_vmap_area has given the base (vstart). Past
 * this many the lowest freed address becomes the base, so a trace of frees alone needs bounded
 * memory; frees before any allocation are of areas allocated before the trace began, which a
 * replay counts and skips whatever their rebased address.
 */
const MAX_PENDING_FREES = 4096;

/** Parses one ftrace text file or stream into allocator events, lazily. */
export async function* readFtrace(input: TextInput, options: ReadOptions = {}): AsyncGenerator<TraceEvent> {
  const parser = new FtraceParser(options.skipped ?? new SkipLog(), options.vmallocBase);
  const out: TraceEvent[] = [];
  const emit: Emit = (e) => out.push(e);
  for await (const lines of lineBatches(input)) {
    for (const line of lines) parser.line(line, emit);
    yield* out;
    out.length = 0;
  }
  parser.finish(emit);
  yield* out;
}

/**
 * The line parser, with the state a trace needs across lines: the vmalloc base address (the
 * first vstart seen), and free_vmap_area_noflush events that arrive before any base is known.
 */
class FtraceParser {
  private lineNo = 0;
  private base: bigint | undefined;
  private pendingFrees: { time: number; cpu: number; pid: number; address: bigint }[] = [];

  constructor(private readonly skipped: SkipLog, base?: bigint) {
    this.base = base;
  }

  line(line: string, emit: Emit): void {
    const n = ++this.lineNo;
    if (line.length === 0 || line.charCodeAt(0) === 35 /* # */ || isBlank(line)) return;
    const m = HEADER.exec(line);
    if (!m) {
      this.skipped.add(line.includes('[LOST') ? 'lost events (ring buffer overrun)' : 'unrecognised line', n, line);
      return;
    }
    const pid = Number(m[1]);
    const cpu = Number(m[2]);
    const time = Number(m[3]);
    const event = m[4]!;
    const at = m.index + m[0].length;
    const ok = this.event(event, line, at, time, cpu, pid, emit);
    if (ok === undefined) this.skipped.add(`unknown event ${event}`, n, line);
    else if (ok === false) this.skipped.add(`malformed ${event}`, n, line);
    else if (ok !== true) this.skipped.add(ok, n, line);
  }

  /**
   * Emits pending vmap frees with the lowest freed address as the base: when the stream ends
   * without any alloc_vmap_area to set one, or when MAX_PENDING_FREES are waiting.
   */
  finish(emit: Emit): void {
    if (this.pendingFrees.length === 0) return;
    this.base = this.pendingFrees.reduce((min, f) => (f.address < min ? f.address : min), this.pendingFrees[0]!.address);
    this.flushFrees(emit);
  }

  // true: emitted; false: a known event with bad fields; a string: why a good line is skipped;
  // undefined: not an event kalloc reads.
  private event(name: string, line: string, at: number, time: number, cpu: number, pid: number, emit: Emit): boolean | string | undefined {
    switch (name) {
      case 'mm_page_alloc': {
        const pfn = intField(line, 'pfn=', at);
        const order = intField(line, 'order=', at);
        const migratetype = intField(line, 'migratetype=', at);
        if (pfn === undefined || order === undefined || migratetype === undefined) return false;
        if (pfn === 0) return 'failed mm_page_alloc (no page)'; // nothing to replay
        emit({ kind: 'page_alloc', time, cpu, pid, pfn, order, migratetype });
        return true;
      }
      case 'mm_page_free': {
        const pfn = intField(line, 'pfn=', at);
        const order = intField(line, 'order=', at);
        if (pfn === undefined || order === undefined) return false;
        emit({ kind: 'page_free', time, cpu, pid, pfn, order });
        return true;
      }
      case 'mm_page_free_batched': {
        const pfn = intField(line, 'pfn=', at);
        if (pfn === undefined) return false;
        emit({ kind: 'page_free_batched', time, cpu, pid, pfn });
        return true;
      }
      case 'mm_page_pcpu_drain':
      case 'mm_page_alloc_zone_locked': {
        const pfn = intField(line, 'pfn=', at);
        const order = intField(line, 'order=', at);
        const migratetype = intField(line, 'migratetype=', at);
        if (pfn === undefined || order === undefined || migratetype === undefined) return false;
        const kind = name === 'mm_page_pcpu_drain' ? 'pcpu_drain' : 'zone_locked';
        emit({ kind, time, cpu, pid, pfn, order, migratetype });
        return true;
      }
      case 'alloc_vmap_area':
        return this.vmapAlloc(line, at, time, cpu, pid, emit);
      case 'purge_vmap_area_lazy': {
        const npurged = intField(line, 'num_purged=', at);
        if (npurged === undefined) return false;
        emit({ kind: 'vmap_purge', time, cpu, pid, npurged });
        return true;
      }
      case 'free_vmap_area_noflush': {
        const address = bigField(line, 'va_start=', at);
        if (address === undefined) return false;
        this.pendingFrees.push({ time, cpu, pid, address });
        if (this.base !== undefined) this.flushFrees(emit);
        else if (this.pendingFrees.length >= MAX_PENDING_FREES) this.finish(emit);
        return true;
      }
      default:
        return undefined;
    }
  }

  private vmapAlloc(line: string, at: number, time: number, cpu: number, pid: number, emit: Emit): boolean {
    const address = bigField(line, 'va_start: ', at) ?? bigField(line, 'va_start=', at);
    const size = intField(line, 'size=', at);
    const align = intField(line, 'align=', at);
    const vstart = bigField(line, 'vstart=', at);
    const failed = intField(line, 'failed=', at);
    if (address === undefined || size === undefined || align === undefined || vstart === undefined || failed === undefined) {
      return false;
    }
    if (this.base === undefined) {
      this.base = vstart;
      this.flushFrees(emit);
    }
    const start = Number(address - this.base);
    if (!Number.isSafeInteger(start)) return false;
    emit({ kind: 'vmap_alloc', time, cpu, pid, start, size, align, failed: failed !== 0 });
    return true;
  }

  private flushFrees(emit: Emit): void {
    const base = this.base!;
    for (const f of this.pendingFrees) {
      emit({ kind: 'vmap_free', time: f.time, cpu: f.cpu, pid: f.pid, start: Number(f.address - base) });
    }
    this.pendingFrees = [];
  }
}

function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

/** The token after `key` (a whole field name: at a space) up to a space or the end, or undefined. */
function token(line: string, key: string, from: number): string | undefined {
  let i = line.indexOf(key, from);
  while (i > from && line.charCodeAt(i - 1) !== 32 && line.charCodeAt(i - 1) !== 9) i = line.indexOf(key, i + 1);
  if (i < 0) return undefined;
  const s = i + key.length;
  const e = line.indexOf(' ', s);
  return line.slice(s, e < 0 ? line.length : e);
}

const DECIMAL = /^\d+$/; // every field kalloc reads is a count or an address: never negative
const HEX = /^0x[0-9a-f]+$/i;

/** A decimal or 0x-hex integer field that fits in a number. */
function intField(line: string, key: string, from: number): number | undefined {
  const t = token(line, key, from);
  if (t === undefined) return undefined;
  let v: number;
  if (HEX.test(t)) v = parseInt(t.slice(2), 16);
  else if (DECIMAL.test(t)) v = parseInt(t, 10);
  else return undefined;
  return Number.isSafeInteger(v) ? v : undefined;
}

/** A decimal or 0x-hex address field at full 64-bit precision. */
function bigField(line: string, key: string, from: number): bigint | undefined {
  const t = token(line, key, from);
  if (t === undefined || !(HEX.test(t) || /^\d+$/.test(t))) return undefined;
  return BigInt(t);
}
