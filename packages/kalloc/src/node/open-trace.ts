import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Readable, Transform } from 'node:stream';
import { KallocError } from '../core/errors.ts';
import type { TraceEvent } from '../trace/events.ts';
import { readFtrace } from '../trace/ftrace.ts';
import { isKallocTraceHeader, readKallocTrace, type KallocTraceHeader } from '../trace/kalloc-trace.ts';
import { SkipLog } from '../trace/skips.ts';
import { GZIP, OTHER_COMPRESSION, startsWith } from '../trace/compression.ts';

export interface OpenedTrace {
  format: 'ftrace' | 'kalloc';
  compressed: boolean;
  events: AsyncIterable<TraceEvent>;
  /** Filled while `events` is read. */
  skipped: SkipLog;
  /** The kalloc trace header, once read. */
  header?: KallocTraceHeader;
}

const SNIFF_BYTES = 4096;

/**
 * Opens a trace of either format, plain or gzip-compressed (told apart by the magic bytes, not the
 * name), from a file or a stream (standard input), as a stream of events. Nothing is read into
 * memory beyond the first few KiB and the stream buffers. An xz, zstd or bzip2 file is refused
 * with the command that decompresses it (EINVAL).
 */
export async function openTrace(source: string | Readable, options: { onBytes?: (bytesRead: number) => void; name?: string; vmallocBase?: bigint } = {}): Promise<OpenedTrace> {
  const name = options.name ?? (typeof source === 'string' ? source : 'standard input');
  const input = typeof source === 'string' ? createReadStream(source) : source;
  const raw = await peek(options.onBytes ? input.pipe(countBytes(options.onBytes)) : input, SNIFF_BYTES);
  const other = OTHER_COMPRESSION.find((c) => startsWith(raw.head, c.magic));
  if (other) {
    raw.stream.destroy();
    const file = typeof source === 'string' ? source : 'FILE';
    throw new KallocError('EINVAL', `${name}: ${other.name}-compressed, which is not read directly (plain text and gzip are): decompress it first, or pipe it: ${other.tool} ${file} | kalloc replay -`);
  }
  const compressed = startsWith(raw.head, GZIP.magic);
  const text = compressed ? await peek(raw.stream.pipe(createGunzip()), SNIFF_BYTES) : raw;
  const firstLine = firstLineOf(text.head.toString('utf8'));
  const skipped = new SkipLog();
  if (isKallocTraceHeader(firstLine)) {
    const trace: Omit<OpenedTrace, 'events'> = { format: 'kalloc', compressed, skipped };
    const events = readKallocTrace(text.stream, { skipped, onHeader: (h) => (trace.header = h) });
    return Object.assign(trace, { events });
  }
  return { format: 'ftrace', compressed, skipped, events: readFtrace(text.stream, { skipped, ...(options.vmallocBase === undefined ? {} : { vmallocBase: options.vmallocBase }) }) };
}

/**
 * Reads at least `bytes` bytes of a stream (fewer if it ends first) and returns them with a
 * stream that yields the whole input again, those bytes first: a pipe can be sniffed only once.
 */
async function peek(source: Readable, bytes: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < bytes) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value;
  }
  return { head, stream: Readable.from(replay(), { objectMode: false }) };
}

/** Passes chunks through, reporting the bytes read so far (of the file, before gunzip). */
function countBytes(onBytes: (bytesRead: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
}

function firstLineOf(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '') ?? '';
}
