import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { TraceEvent } from '../trace/events.ts';
import { kallocTraceLines, type KallocTraceHeader } from '../trace/kalloc-trace.ts';

/** Writes a kalloc trace file, streaming. Returns the number of events written. */
export async function writeKallocTrace(
  file: string,
  events: AsyncIterable<TraceEvent> | Iterable<TraceEvent>,
  header: Omit<KallocTraceHeader, 'kalloc-trace'> = {},
): Promise<number> {
  const out = createWriteStream(file);
  let count = -1; // the header is not an event
  for await (const line of kallocTraceLines(events, header)) {
    count++;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return count;
}
