import { Prng, type RangeAllocatorApi, type RangeAllocOptions } from 'kalloc';
import { alignUp, NumberList } from 'kalloc/internal';

/**
 * The eight workloads of the kernel's lib/test_vmalloc.c as of 2019 (the "8 tests" of Rezki's
 * cover letter), replayed on any range allocator. Shared by the vmalloc-suite lab scenario and
 * the tests, so that both exercise exactly the same call sequences.
 *
 * vmalloc(n) here is what vmalloc asked of the area allocator: the size rounded up to pages plus
 * one guard page (__get_vm_area_node), at the requested alignment. vfree() is lazy as in the
 * kernel (both before and after 2019): a freed area stays busy until the lazily freed pages exceed
 * lazy_max_pages, then all of them are freed at once, newest first (the purge list is an llist),
 * and a failed allocation purges and retries. The lazy list belongs to the vmalloc layer, not to a
 * test: what one test freed lazily is still busy when the next one starts, as in the kernel,
 * whose test module never forces a purge. Writes to the memory are left out: allocators hand out
 * addresses and never touch them.
 */

export const PAGE_SIZE = 4096;

/**
 * x86-64's vmalloc area with 4-level paging, 0xffffc90000000000 .. 0xffffe90000000000 (32 TiB),
 * without the 16 sign-extension bits so that it fits a number. Alignments up to 2^47 land exactly
 * where they would on the real addresses; larger ones fail in both (the kernel's by overflow).
 */
export const VMALLOC_SPACE = { start: 0xc900_0000_0000, size: 32 * 2 ** 40 };

export interface WorkloadParams {
  /** test_loop_count (the kernel's default is 1,000,000). */
  loops: number;
  seed: number;
  /** long_busy_list_alloc_test's live areas (15,000 in the kernel). */
  busyListLength: number;
  /** full_fit_alloc_test's junk_length, fls(num_online_cpus) * 32 MiB / PAGE_SIZE (16,384 on 2 CPUs). */
  junkLength: number;
  /** pcpu_alloc_test's allocations (35,000 in the kernel). */
  pcpuAllocations: number;
  /** lazy_max_pages = fls(num_online_cpus) * 32 MiB / PAGE_SIZE (16,384 on 2 CPUs). */
  lazyMaxPages: number;
}

export const KERNEL_PARAMS: Omit<WorkloadParams, 'loops' | 'seed'> = {
  busyListLength: 15_000,
  junkLength: 16_384,
  pcpuAllocations: 35_000,
  lazyMaxPages: 16_384,
};

export interface WorkloadResult {
  /** Allocator calls made (alloc and free each count one). */
  ops: number;
  /** The kernel test's verdict: false where it would return -1. */
  passed: boolean;
  /** A hash of every address handed out, to compare designs call for call. */
  digest: number;
}

export interface VmallocWorkload {
  name: string;
  /** Bit in the module's run_test_mask. */
  id: number;
  what: string;
  /** Runs the test on a vmalloc layer; false where the kernel test would return -1. */
  run(vm: VmallocLayer, params: WorkloadParams): boolean;
}

const NULL = -1;

/** Options objects per alignment exponent, built once so that the loops allocate nothing. */
const ALIGNED: RangeAllocOptions[] = Array.from({ length: 54 }, (_, k) => ({ align: 2 ** k }));

/**
 * The vmalloc layer over an area allocator: guard pages, lazy frees, and per test a count of the
 * allocator calls and a digest of the addresses handed out.
 */
export class VmallocLayer {
  ops = 0;
  digest = 0;
  private readonly lazy = new NumberList(1024);
  private lazyPages = 0;

  constructor(
    readonly space: RangeAllocatorApi,
    readonly lazyMaxPages: number,
  ) {
  }

  /** vmalloc(bytes) with the guard page; NULL (a failure) is -1. */
  vmalloc(bytes: number, options?: RangeAllocOptions): number {
    const size = alignUp(bytes, PAGE_SIZE) + PAGE_SIZE;
    this.ops++;
    let at = this.space.alloc(size, options);
    if (at === undefined && this.lazy.length > 0) {
      // The overflow path: purge the lazily freed areas and try again.
      this.purge();
      this.ops++;
      at = this.space.alloc(size, options);
    }
    if (at === undefined) return NULL;
    this.digest = (this.digest * 33 + (at % 1_000_003)) % 4_294_967_291;
    return at;
  }

  /** vfree: the area stays busy until the next purge (free_vmap_area_noflush). */
  vfree(at: number): void {
    this.lazy.push(at);
    this.lazyPages += this.space.sizeOf(at)! / PAGE_SIZE;
    if (this.lazyPages > this.lazyMaxPages) this.purge();
  }

  /** __purge_vmap_area_lazy: frees every lazy area, newest first. */
  purge(): void {
    const lazy = this.lazy.data;
    for (let i = this.lazy.length - 1; i >= 0; i--) {
      this.ops++;
      this.space.free(lazy[i]!);
    }
    this.lazy.clear();
    this.lazyPages = 0;
  }

  /** An allocation without guard page (percpu areas are carved from chunks). */
  raw(bytes: number, options: RangeAllocOptions): number {
    this.ops++;
    const at = this.space.alloc(bytes, options);
    if (at === undefined) return NULL;
    this.digest = (this.digest * 33 + (at % 1_000_003)) % 4_294_967_291;
    return at;
  }

  /** free_percpu: immediate. */
  freeRaw(at: number): void {
    this.ops++;
    this.space.free(at);
  }

  /** Starts a test's count and digest (the lazy list carries over). */
  begin(): void {
    this.ops = 0;
    this.digest = 0;
  }

  result(passed: boolean): WorkloadResult {
    return { ops: this.ops, passed, digest: this.digest };
  }
}

/** Runs one test alone on `space` and purges what it left lazy, so the space ends as it began. */
export function runWorkload(workload: VmallocWorkload, space: RangeAllocatorApi, params: WorkloadParams): WorkloadResult {
  const vm = new VmallocLayer(space, params.lazyMaxPages);
  const passed = workload.run(vm, params);
  vm.purge();
  return vm.result(passed);
}

/** sizeof(void *) * n: the pointer arrays the tests vmalloc for themselves. */
const pointers = (n: number): number => 8 * n;

export const VMALLOC_WORKLOADS: VmallocWorkload[] = [
  {
    name: 'fix_size_alloc_test',
    id: 1,
    what: 'loops x { vmalloc(1 page); vfree } (left-edge fits)',
    run(vm, p) {
      for (let i = 0; i < p.loops; i++) {
        const at = vm.vmalloc(PAGE_SIZE);
        if (at === NULL) return false;
        vm.vfree(at);
      }
      return true;
    },
  },
  {
    name: 'full_fit_alloc_test',
    id: 2,
    what: 'junk_length pairs of 1-page areas, free every second one, then loops x { vmalloc(1 page); vfree } into the exact holes (full fits)',
    run(vm, p) {
      const n = p.junkLength;
      const ptrArray = vm.vmalloc(pointers(n));
      const junkArray = vm.vmalloc(pointers(n));
      if (ptrArray === NULL || junkArray === NULL) return false;
      const ptr = new Float64Array(n);
      const junk = new Float64Array(n);
      let passed = true;
      for (let i = 0; i < n; i++) {
        ptr[i] = vm.vmalloc(PAGE_SIZE);
        junk[i] = vm.vmalloc(PAGE_SIZE);
        if (ptr[i] === NULL || junk[i] === NULL) passed = false;
      }
      for (let i = 0; i < n; i++) if (junk[i] !== NULL) vm.vfree(junk[i]!);
      for (let i = 0; passed && i < p.loops; i++) {
        const at = vm.vmalloc(PAGE_SIZE);
        if (at === NULL) passed = false;
        else vm.vfree(at);
      }
      for (let i = 0; i < n; i++) if (ptr[i] !== NULL) vm.vfree(ptr[i]!);
      vm.vfree(ptrArray);
      vm.vfree(junkArray);
      return passed;
    },
  },
  {
    name: 'long_busy_list_alloc_test',
    id: 4,
    what: '15,000 live 1-page areas, then loops x { vmalloc(100 pages); vmalloc(1 page); vfree both } (O(N) in the old design)',
    run(vm, p) {
      const n = p.busyListLength;
      const ptrArray = vm.vmalloc(pointers(n));
      if (ptrArray === NULL) return false;
      const ptr = new Float64Array(n);
      for (let i = 0; i < n; i++) ptr[i] = vm.vmalloc(PAGE_SIZE);
      let passed = true;
      for (let i = 0; i < p.loops; i++) {
        const a = vm.vmalloc(100 * PAGE_SIZE);
        if (a === NULL) {
          passed = false;
          break;
        }
        const b = vm.vmalloc(PAGE_SIZE);
        vm.vfree(a);
        if (b === NULL) {
          passed = false;
          break;
        }
        vm.vfree(b);
      }
      for (let i = 0; i < n; i++) if (ptr[i] !== NULL) vm.vfree(ptr[i]!);
      vm.vfree(ptrArray);
      return passed;
    },
  },
  {
    name: 'random_size_alloc_test',
    id: 8,
    what: 'loops x { vmalloc(random 1..100 pages); vfree }',
    run(vm, p) {
      const rnd = new Prng(p.seed);
      for (let i = 0; i < p.loops; i++) {
        const at = vm.vmalloc(rnd.range(1, 100) * PAGE_SIZE);
        if (at === NULL) return false;
        vm.vfree(at);
      }
      return true;
    },
  },
  {
    name: 'fix_align_alloc_test',
    id: 16,
    what: 'loops x { vmalloc(5 pages, align THREAD_ALIGN << 1 = 32 KiB); vfree } (no-edge and right-edge fits)',
    run(vm, p) {
      const options = ALIGNED[15]!; // x86-64: THREAD_SIZE = 16 KiB, shifted left once
      for (let i = 0; i < p.loops; i++) {
        const at = vm.vmalloc(5 * PAGE_SIZE, options);
        if (at === NULL) return false;
        vm.vfree(at);
      }
      return true;
    },
  },
  {
    name: 'random_size_align_alloc_test',
    id: 32,
    what: 'loops x { rnd = random u8; vmalloc((rnd % 10 + 1) pages, align 1 << (rnd % 23)); vfree }',
    run(vm, p) {
      const rnd = new Prng(p.seed);
      for (let i = 0; i < p.loops; i++) {
        const r = rnd.below(256);
        const at = vm.vmalloc(((r % 10) + 1) * PAGE_SIZE, ALIGNED[r % 23]!);
        if (at === NULL) return false;
        vm.vfree(at);
      }
      return true;
    },
  },
  {
    name: 'align_shift_alloc_test',
    id: 64,
    what: 'vmalloc(1 page, align 1 << i) for i = 0, 1, ... until the first failure ("supposed to be failed")',
    run(vm, p) {
      // BITS_PER_LONG = 64 in the kernel; alignments above 2^53 are not numbers we accept.
      for (let i = 0; i < ALIGNED.length; i++) {
        const at = vm.vmalloc(PAGE_SIZE, ALIGNED[i]!);
        if (at === NULL) return false;
        vm.vfree(at);
      }
      return true;
    },
  },
  {
    name: 'pcpu_alloc_test',
    id: 128,
    what: '35,000 live allocations of random 1..1024 bytes at align 1 << random 1..11, then free all',
    run(vm, p) {
      const rnd = new Prng(p.seed);
      const n = p.pcpuAllocations;
      const at = new Float64Array(n);
      let passed = true;
      for (let i = 0; i < n; i++) {
        const size = rnd.range(1, PAGE_SIZE / 4);
        at[i] = vm.raw(size, ALIGNED[rnd.range(1, 11)]!);
        if (at[i] === NULL) passed = false;
      }
      for (let i = 0; i < n; i++) if (at[i] !== NULL) vm.freeRaw(at[i]!);
      return passed;
    },
  },
];

/** Looks a workload up by its kernel name, with or without the "_alloc_test" suffix. */
export function findWorkload(name: string): VmallocWorkload | undefined {
  return VMALLOC_WORKLOADS.find((w) => w.name === name || w.name === `${name}_alloc_test` || w.name === `${name}_test`);
}
