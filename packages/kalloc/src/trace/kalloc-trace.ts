import { EVENT_FIELDS, type TraceEvent, type TraceEventKind } from './events.ts';
import { lineBatches, type TextInput } from './lines.ts';
import { SkipLog } from './skips.ts';

/**
 * kalloc's own trace format (docs/trace-format.md): JSON Lines, one event per line, after a
 * header line that names the format and its version:
 *
 *     {"kalloc-trace":1,"source":"synthetic","created":"2026-11-22T05:40:00.000Z"}
 *     {"kind":"page_alloc","time":0.5,"cpu":0,"pid":12,"pfn":4660,"order":0,"migratetype":1}
 *     {"kind":"vmap_alloc","time":0.6,"cpu":1,"pid":12,"start":0,"size":20480,"align":16384,"failed":false}
 *
 * Events have exactly the fields of TraceEvent. Lines that are not valid events are counted by
 * kind and skipped; a missing header or another version is an error.
 */
export const KALLOC_TRACE_VERSION = 1;

export interface KallocTraceHeader {
  'kalloc-trace': number;
  source?: string;
  created?: string;
  [key: string]: unknown;
}

export interface ReadKallocOptions {
  skipped?: SkipLog;
  /** Receives the header line once it is read. */
  onHeader?: (header: KallocTraceHeader) => void;
}

/** True when `firstLine` is a kalloc trace header (of any version). */
export function isKallocTraceHeader(firstLine: string): boolean {
  return /^\s*\{\s*"kalloc-trace"\s*:/.test(firstLine);
}

export async function* readKallocTrace(input: TextInput, options: ReadKallocOptions = {}): AsyncGenerator<TraceEvent> {
  const skipped = options.skipped ?? new SkipLog();
  let lineNo = 0;
  let header: KallocTraceHeader | undefined;
  const out: TraceEvent[] = [];
  for await (const lines of lineBatches(input)) {
    for (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      if (!header) {
        header = parseHeader(line);
        options.onHeader?.(header);
        continue;
      }
      const event = parseEvent(line, lineNo, skipped);
      if (event) out.push(event);
    }
    yield* out;
    out.length = 0;
  }
  if (!header) throw new Error('kalloc trace: empty input (expected a {"kalloc-trace":1} header line)');
}

function parseHeader(line: string): KallocTraceHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  const header = value as KallocTraceHeader | undefined;
  if (!header || typeof header !== 'object' || !('kalloc-trace' in header)) {
    throw new Error(`kalloc trace: line 1 is not a {"kalloc-trace":${KALLOC_TRACE_VERSION}} header`);
  }
  if (header['kalloc-trace'] !== KALLOC_TRACE_VERSION) {
    throw new Error(`kalloc trace: version ${String(header['kalloc-trace'])} is not supported (this reader knows ${KALLOC_TRACE_VERSION})`);
  }
  return header;
}

function parseEvent(line: string, lineNo: number, skipped: SkipLog): TraceEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    skipped.add('malformed JSON', lineNo, line);
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    skipped.add('not an event object', lineNo, line);
    return undefined;
  }
  const record = value as Record<string, unknown>;
  const kind = record.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(EVENT_FIELDS, kind)) {
    skipped.add(`unknown kind ${JSON.stringify(kind)}`, lineNo, line);
    return undefined;
  }
  const fields = EVENT_FIELDS[kind as TraceEventKind];
  const event: Record<string, unknown> = { kind, time: record.time, cpu: record.cpu, pid: record.pid };
  const bad = (): undefined => {
    skipped.add(`malformed ${kind}`, lineNo, line);
    return undefined;
  };
  if (typeof record.time !== 'number' || !Number.isFinite(record.time)) return bad();
  if (!Number.isSafeInteger(record.cpu) || !Number.isSafeInteger(record.pid)) return bad();
  for (const f of fields) {
    if (!Number.isSafeInteger(record[f])) return bad();
    event[f] = record[f];
  }
  if (kind === 'vmap_alloc') {
    if (typeof record.failed !== 'boolean') return bad();
    event.failed = record.failed;
  }
  return event as TraceEvent;
}

/** The lines of a kalloc trace (each ending in "\n"): the header, then one line per event. */
export async function* kallocTraceLines(
  events: AsyncIterable<TraceEvent> | Iterable<TraceEvent>,
  header: Omit<KallocTraceHeader, 'kalloc-trace'> = {},
): AsyncGenerator<string> {
  yield `${JSON.stringify({ 'kalloc-trace': KALLOC_TRACE_VERSION, ...header })}\n`;
  for await (const e of events) yield `${JSON.stringify(e)}\n`;
}
