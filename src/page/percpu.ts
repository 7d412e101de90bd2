import type { Zone } from './zone.ts';

/**
 * The per-CPU layer: every alloc and free of the PageAllocator goes through one. CPUs are
 * simulated in one thread; `cpu` names whose cache serves the call. A layer may hold pages
 * (allocated from the zone's point of view, marked HELD in the page metadata) and must give them
 * all back on drain(); compaction and contiguous allocation drain every CPU first.
 *
 * Designs: 'none' (straight to the zone, one zone-lock acquisition per call), and next
 * 'classic' (per-CPU lists of order-0..3 pages, batch refill/drain) and 'buddy' (the 2026 pcp
 * buddy RFC: CPUs own whole pageblocks, frees route to the owner).
 */
export type PcpDesign = 'none' | 'classic' | 'buddy';

export const PCP_DESIGNS: readonly PcpDesign[] = ['none', 'classic', 'buddy'];

export interface PerCpuLayer {
  readonly design: PcpDesign;
  /** A block of `order` for migratetype index `mt` on behalf of `cpu`, or -1. */
  alloc(order: number, mt: number, cpu: number): number;
  /** Frees a block a caller allocated (the façade has validated pfn). */
  free(pfn: number, cpu: number): void;
  /** Returns cached pages of `cpu` (every CPU when cpu is -1) to the zone. */
  drain(cpu: number): void;
  /** JSON-serialisable figures for PageAllocator.stats().pcp. */
  stats(): Record<string, unknown>;
  /** Verifies the layer's own invariants (ECORRUPT). */
  check(): void;
}

/** pcp: 'none' — no per-CPU caching: each call takes the zone lock. */
export class NoPcp implements PerCpuLayer {
  readonly design = 'none' as const;
  private readonly zone: Zone;

  constructor(zone: Zone) {
    this.zone = zone;
  }

  alloc(order: number, mt: number): number {
    return this.zone.take(order, mt);
  }

  free(pfn: number): void {
    this.zone.put(pfn);
  }

  drain(): void {}

  stats(): Record<string, unknown> {
    return { design: this.design, cachedPages: 0 };
  }

  check(): void {}
}

/** Builds the per-CPU layer of a design (validated by the caller). */
export function createPerCpuLayer(design: PcpDesign, zone: Zone, _cpus: number): PerCpuLayer {
  switch (design) {
    case 'none':
      return new NoPcp(zone);
    default:
      // Unreachable: PageAllocator refuses unbuilt designs in refuseUnbuiltDesigns().
      throw new Error(`pcp design ${design} has no layer`);
  }
}
