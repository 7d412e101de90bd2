/** Compressed formats, told by their magic bytes rather than by a file's name. */
export interface Compression {
  name: string;
  magic: readonly number[];
  /** The command that writes the plain text to standard output. */
  tool: string;
}

export const GZIP: Compression = { name: 'gzip', magic: [0x1f, 0x8b], tool: 'gzip -dc' };

/** Formats the readers do not decompress themselves: the user pipes them in. */
export const OTHER_COMPRESSION: readonly Compression[] = [
  { name: 'xz', magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], tool: 'xz -dc' },
  { name: 'zstd', magic: [0x28, 0xb5, 0x2f, 0xfd], tool: 'zstd -dc' },
  { name: 'bzip2', magic: [0x42, 0x5a, 0x68], tool: 'bzip2 -dc' },
];

export const startsWith = (head: Uint8Array, magic: readonly number[]): boolean => magic.every((byte, i) => head[i] === byte);

/** The compression `head` (a file's first bytes) starts with, if any. */
export const compressionOf = (head: Uint8Array): Compression | undefined => [GZIP, ...OTHER_COMPRESSION].find((c) => startsWith(head, c.magic));
