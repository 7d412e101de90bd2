/**
 * Text input for the readers, one line at a time: a whole string, or a stream of chunks (a file
 * read stream, a gunzip stream, an array of strings) that is never joined into one string.
 * Lines come without their "\n" (and without a trailing "\r").
 */
export type TextInput = string | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** The complete lines of each chunk as one array: batches keep the caller's hot loop synchronous. */
export async function* lineBatches(input: TextInput): AsyncGenerator<string[]> {
  if (typeof input === 'string') {
    yield splitAll(input);
    return;
  }
  const decoder = new TextDecoder('utf-8');
  // The unfinished line, as the pieces it arrived in: joined once, when its newline comes, so a
  // line of any length costs time linear in its length (not chunks x length).
  const carry: string[] = [];
  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      if (text.length > 0) carry.push(text);
      continue;
    }
    carry.push(text.slice(0, last));
    yield splitAll(carry.join(''));
    carry.length = 0;
    if (last + 1 < text.length) carry.push(text.slice(last + 1));
  }
  carry.push(decoder.decode());
  const rest = carry.join('');
  if (rest.length > 0) yield splitAll(rest);
}

/** The lines of a whole text, "\n" or "\r\n" ended (a /proc file copied through Windows). */
export function textLines(text: string): string[] {
  return text.split(/\r?\n/);
}

function splitAll(text: string): string[] {
  const lines = textLines(text);
  const last = lines[lines.length - 1]!;
  if (last === '') lines.pop();
  else if (last.endsWith('\r')) lines[lines.length - 1] = last.slice(0, -1); // "\r\n" split across chunks
  return lines;
}
