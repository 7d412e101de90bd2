import { Prng, PageAllocator, type Migratetype, type PageAllocatorOptions, type PageDesign } from 'kalloc';

/**
 * A page allocator together with what its caller holds: every live block by first pfn, kept
 * right by onMigrate. Shared by the page scenarios and the page benchmark.
 */
export class TrackedZone {
  readonly a: PageAllocator;
  /** pfn -> pages of the block (contiguous ranges included). */
  readonly size = new Map<number, number>();
  /** pfn -> 'movable' | 'unmovable' | 'reclaimable' | 'contig'. */
  readonly kind = new Map<number, Migratetype | 'contig'>();
  /** Live pfns, dense, for picking one at random; slot maps pfn -> index. */
  private readonly live: number[] = [];
  private readonly slot = new Map<number, number>();

  /**
   * A zone of `pages` without per-CPU caches, built by `design` (a registry preset) if given;
   * `options` adds more (e.g. cpus with a per-CPU preset).
   */
  constructor(pages: number, design?: PageDesign, migratable = true, options: Partial<PageAllocatorOptions> = {}) {
    const onMigrate = (from: number, to: number): void => {
      this.size.set(to, this.size.get(from)!);
      this.kind.set(to, this.kind.get(from)!);
      this.size.delete(from);
      this.kind.delete(from);
      const i = this.slot.get(from)!;
      this.live[i] = to;
      this.slot.delete(from);
      this.slot.set(to, i);
    };
    const all = { pages, pcp: 'none', ...options, ...(migratable ? { onMigrate } : {}) } as const;
    this.a = design ? design.create(all) : new PageAllocator(all);
  }

  alloc(order: number, mt: Migratetype, cpu = 0): number | undefined {
    const pfn = this.a.alloc(order, { migratetype: mt, cpu });
    if (pfn !== undefined) this.remember(pfn, 2 ** order, mt);
    return pfn;
  }

  /** Records a contiguous range taken through allocContig or the 2019 baseline. */
  remember(pfn: number, pages: number, kind: Migratetype | 'contig'): void {
    this.size.set(pfn, pages);
    this.kind.set(pfn, kind);
    this.slot.set(pfn, this.live.length);
    this.live.push(pfn);
  }

  free(pfn: number, cpu = 0): void {
    if (this.kind.get(pfn) === 'contig') this.a.freeContig(pfn, this.size.get(pfn)!);
    else this.a.free(pfn, { cpu });
    this.size.delete(pfn);
    this.kind.delete(pfn);
    const i = this.slot.get(pfn)!;
    const last = this.live.pop()!;
    if (last !== pfn) {
      this.live[i] = last;
      this.slot.set(last, i);
    }
    this.slot.delete(pfn);
  }

  /** A live block's pfn drawn by `rng`, or undefined when nothing is live. */
  randomLive(rng: Prng): number | undefined {
    return this.live.length === 0 ? undefined : this.live[rng.below(this.live.length)];
  }

  get liveBlocks(): number {
    return this.live.length;
  }

  /** Per page: 0 free, 1 movable (can migrate), 2 fixed (unmovable, reclaimable, contig). */
  pageMap(): Uint8Array {
    const map = new Uint8Array(this.a.pages);
    for (const [pfn, pages] of this.size) map.fill(this.kind.get(pfn) === 'movable' ? 1 : 2, pfn, pfn + pages);
    return map;
  }
}

/**
 * A zone `fill` full (0.8 = 80%) with a random mix: orders 0-3, `movableShare` movable, the rest
 * unmovable. It is filled to fill + 15% first and random blocks are then freed, so free space is
 * scattered over the whole zone as after a long uptime.
 */
export function fragmentedZone(pages: number, seed: number, design?: PageDesign, fill = 0.8, movableShare = 0.9): TrackedZone {
  const z = new TrackedZone(pages, design);
  const rng = new Prng(seed);
  const high = Math.min(0.97, fill + 0.15);
  while (z.a.freePages > pages * (1 - high)) {
    if (z.alloc(rng.below(4), rng.chance(movableShare) ? 'movable' : 'unmovable') === undefined) break;
  }
  while (z.a.freePages < pages * (1 - fill) && z.liveBlocks > 0) z.free(z.randomLive(rng)!);
  return z;
}
