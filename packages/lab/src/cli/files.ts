import { readFile, stat } from 'node:fs/promises';
import { buffer as streamBuffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import { KallocError } from 'kalloc';
import { compressionOf } from 'kalloc/internal';

/** The name that means standard input, as in `xz -dc trace.xz | kalloc replay -`. */
export const STDIN = '-';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/** A file error in words, with the path: "cannot read /x: no such file or directory". */
export function fileError(file: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
  return new Error(`cannot read ${file}: ${reason}`);
}

/** A file's size in bytes (undefined for standard input); a directory or a missing file throws in words. */
export async function inputSize(file: string): Promise<number | undefined> {
  if (file === STDIN) return undefined;
  const s = await stat(file).catch((error: unknown) => {
    throw fileError(file, error);
  });
  if (s.isDirectory()) throw fileError(file, { code: 'EISDIR' });
  return s.size;
}

/**
 * The whole text of a file, or of standard input for "-", for `command` (its name goes into the
 * advice). Compression is told by the magic bytes: gzip is read; xz, zstd or bzip2 is refused with
 * the command that pipes it in.
 */
export async function readInput(file: string, command: string): Promise<string> {
  const bytes = file === STDIN
    ? await streamBuffer(process.stdin)
    : await readFile(file).catch((error: unknown) => {
      throw fileError(file, error);
    });
  const compression = compressionOf(bytes);
  if (compression === undefined) return bytes.toString('utf8');
  if (compression.name === 'gzip') return gunzipSync(bytes).toString('utf8');
  const name = file === STDIN ? 'standard input' : file;
  throw new KallocError('EINVAL', `${name}: ${compression.name}-compressed, which is not read directly (plain text and gzip are): decompress it first, or pipe it: ${compression.tool} ${file === STDIN ? 'FILE' : file} | kalloc ${command} -`);
}
