import { createReadStream } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { Transform, type Readable } from 'node:stream';
import type { TraceEvent } from '../trace/events.ts';
import { readFtrace } from '../trace/ftrace.ts';
import { isKallocTraceHeader, readKallocTrace, type KallocTraceHeader } from '../trace/kalloc-trace.ts';
import { SkipLog } from '../trace/skips.ts';

export interface OpenedTrace {
  format: 'ftrace' | 'kalloc';
  compressed: boolean;
  events: AsyncIterable<TraceEvent>;
  /** Filled while `events` is read. */
  skipped: SkipLog;
  /** The kalloc trace header, once read. */
  header?: KallocTraceHeader;
}

const GZIP_MAGIC = [0x1f, 0x8b];
const SNIFF_BYTES = 4096;

/**
 * Opens a trace file of either format, plain or gzip-compressed (told apart by the magic bytes,
 * not the name), as a stream of events. Nothing is read into memory beyond the stream buffers.
 */
export async function openTrace(file: string, options: { onBytes?: (bytesRead: number) => void; vmallocBase?: bigint } = {}): Promise<OpenedTrace> {
  const head = await readHead(file, SNIFF_BYTES);
  const compressed = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
  const raw = (): Readable => (options.onBytes ? createReadStream(file).pipe(countBytes(options.onBytes)) : createReadStream(file));
  const stream = (): Readable => (compressed ? raw().pipe(createGunzip()) : raw());
  const firstLine = await firstTextLine(compressed ? createReadStream(file).pipe(createGunzip()) : head);
  const skipped = new SkipLog();
  if (isKallocTraceHeader(firstLine)) {
    const trace: Omit<OpenedTrace, 'events'> = { format: 'kalloc', compressed, skipped };
    const events = readKallocTrace(stream(), { skipped, onHeader: (h) => (trace.header = h) });
    return Object.assign(trace, { events });
  }
  return { format: 'ftrace', compressed, skipped, events: readFtrace(stream(), { skipped, ...(options.vmallocBase === undefined ? {} : { vmallocBase: options.vmallocBase }) }) };
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

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await openFile(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The first non-blank line of a buffer or of a stream's first chunks (then the stream is dropped). */
async function firstTextLine(source: Buffer | Readable): Promise<string> {
  if (Buffer.isBuffer(source)) return firstLineOf(source.toString('utf8'));
  let text = '';
  for await (const chunk of source) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length >= SNIFF_BYTES || /\S[^\n]*\n/.test(text)) break;
  }
  source.destroy();
  return firstLineOf(text);
}

function firstLineOf(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '') ?? '';
}
