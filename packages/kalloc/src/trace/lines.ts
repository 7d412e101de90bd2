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
  let carry = '';
  for await (const chunk of input as AsyncIterable<string | Uint8Array>) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      carry = text;
      continue;
    }
    carry = text.slice(last + 1);
    yield splitAll(text.slice(0, last));
  }
  carry += decoder.decode();
  if (carry.length > 0) yield splitAll(carry);
}

function splitAll(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}
