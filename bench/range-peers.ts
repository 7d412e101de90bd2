import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemPool } from '@thi.ng/malloc';
import { createRequire } from 'node:module';
import { RangeAllocator } from '../packages/kalloc/src/range/range-allocator.ts';
import type { RangeAllocOptions } from '../packages/kalloc/src/range/range-api.ts';

/**
 * The heaps the range benchmark compares, behind one small interface so that one driver replays
 * the same pre-generated sequence on each. `align` is a power of two; heaps without per-call
 * alignment ask for size + align - 1 and round the pointer up (the over-allocation is reported).
 */
export interface BenchHeap {
  readonly name: string;
  /** Whether alloc() honours `align` itself (no over-allocation). */
  readonly alignsPerCall: boolean;
  /** Returns a handle for free() (the raw pointer for peers); throws when out of space. */
  alloc(size: number, align: number): number;
  free(handle: number): void;
}

const ALIGNED: RangeAllocOptions[] = Array.from({ length: 54 }, (_, k) => ({ align: 2 ** k }));

export class RangeHeap implements BenchHeap {
  readonly name = 'kalloc RangeAllocator';
  readonly alignsPerCall = true;
  readonly space: RangeAllocator;
  constructor(bytes: number) {
    this.space = new RangeAllocator({ size: bytes });
  }
  alloc(size: number, align: number): number {
    const at = align === 1 ? this.space.alloc(size) : this.space.alloc(size, ALIGNED[31 - Math.clz32(align)]);
    if (at === undefined) throw new Error(`${this.name}: out of space`);
    return at;
  }
  free(handle: number): void {
    this.space.free(handle);
  }
}

/** The part of the asc compiler API we call. */
interface AscApi {
  main(
    argv: string[],
    io: { readFile(name: string): string | null; writeFile(name: string, data: Uint8Array | string): void; listFiles(): string[] },
  ): Promise<{ error: Error | null; stderr: { toString(): string } }>;
}

interface TlsfExports {
  alloc(size: number): number;
  free(ptr: number): void;
}

/** The global WebAssembly namespace (tsconfig's lib has no DOM/wasm typings), as far as we use it. */
const wasmApi = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: unknown } }> } })
  .WebAssembly;

const BUILD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '.build');
const TLSF_WASM = path.join(BUILD_DIR, 'as-tlsf.wasm');

/** AssemblyScript's runtime heap (a TLSF) compiled to wasm with thin alloc/free exports; cached. */
async function loadTlsf(): Promise<TlsfExports> {
  if (!existsSync(TLSF_WASM)) {
    // Imported by a variable name: asc's typings declare AssemblyScript globals (console, ...)
    // that would clash with Node's.
    const ascModule = 'assemblyscript/asc';
    const { default: asc } = (await import(ascModule)) as { default: AscApi };
    const source = 'export function alloc(size: usize): usize { return heap.alloc(size); }\nexport function free(ptr: usize): void { heap.free(ptr); }\n';
    let wasm: Uint8Array | undefined;
    const { error, stderr } = await asc.main(['tlsf.ts', '-O3', '--runtime', 'incremental', '--noAssert', '--outFile', 'tlsf.wasm'], {
      readFile: (name: string) => (name === 'tlsf.ts' ? source : null),
      writeFile: (name: string, data: Uint8Array | string) => {
        if (name === 'tlsf.wasm') wasm = data as Uint8Array;
      },
      listFiles: () => [],
    });
    if (error || !wasm) throw new Error(`building the AssemblyScript TLSF failed: ${error?.message ?? stderr.toString()}`);
    await mkdir(BUILD_DIR, { recursive: true });
    await writeFile(TLSF_WASM, wasm);
  }
  const { instance } = await wasmApi.instantiate(await readFile(TLSF_WASM), {
    env: {
      abort: () => {
        throw new Error('AssemblyScript TLSF aborted (out of memory?)');
      },
    },
  });
  return instance.exports as unknown as TlsfExports;
}

export class TlsfHeap implements BenchHeap {
  readonly name = 'AssemblyScript TLSF (wasm)';
  readonly alignsPerCall = false;
  private readonly tlsfAlloc: (size: number) => number;
  private readonly tlsfFree: (ptr: number) => void;
  constructor(tlsf: TlsfExports) {
    this.tlsfAlloc = tlsf.alloc;
    this.tlsfFree = tlsf.free;
  }
  static async create(): Promise<TlsfHeap> {
    return new TlsfHeap(await loadTlsf());
  }
  alloc(size: number, align: number): number {
    return this.tlsfAlloc(size + align - 1);
  }
  free(handle: number): void {
    this.tlsfFree(handle);
  }
}

export class ThingHeap implements BenchHeap {
  readonly name = '@thi.ng/malloc MemPool';
  readonly alignsPerCall = false;
  private readonly pool: MemPool;
  constructor(bytes: number) {
    this.pool = new MemPool({ size: bytes });
  }
  alloc(size: number, align: number): number {
    const at = this.pool.malloc(size + align - 1);
    if (at === 0) throw new Error(`${this.name}: out of space`);
    return at;
  }
  free(handle: number): void {
    this.pool.free(handle);
  }
}

interface Codemix {
  alloc(bytes: number): number;
  free(offset: number): number;
}

/** codemix/malloc ships no types: its class, typed by the two methods we call. */
const CodemixAllocator = createRequire(import.meta.url)('malloc') as new (buffer: ArrayBuffer) => Codemix;

export class CodemixHeap implements BenchHeap {
  readonly name = 'malloc (codemix)';
  readonly alignsPerCall = false;
  private readonly heap: Codemix;
  constructor(bytes: number) {
    this.heap = new CodemixAllocator(new ArrayBuffer(bytes));
  }
  alloc(size: number, align: number): number {
    // Its blocks are whole 8-byte quads.
    const at = this.heap.alloc((size + align - 1 + 7) & ~7);
    if (at === 0) throw new Error(`${this.name}: out of space`);
    return at;
  }
  free(handle: number): void {
    this.heap.free(handle);
  }
}
