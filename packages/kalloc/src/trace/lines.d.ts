/**
 * Text input for the readers, one line at a time: a whole string, or a stream of chunks (a file
 * read stream, a gunzip stream, an array of strings) that is never joined into one string.
 * Lines come without their "\n" (and without a trailing "\r").
 */
export type TextInput = string | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;
/** The complete lines of each chunk as one array: batches keep the caller's hot loop synchronous. */
export declare function lineBatches(input: TextInput): AsyncGenerator<string[]>;
