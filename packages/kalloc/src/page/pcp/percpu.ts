import type { Zone } from '../zone.ts';
import { BuddyPcp } from './buddy.ts';
import { ClassicPcp } from './classic.ts';
import type { PcpTuning } from './tuning.ts';
import { ZoneTraffic } from './zone-traffic.ts';
import type { PcpDesign, PcpStats, PerCpuLayer } from './api.ts';

/** pcp: 'none' — no per-CPU caching: each call takes the zone lock. */
export class NoPcp implements PerCpuLayer {
  readonly design = 'none' as const;
  readonly cachedPages = 0;
  private readonly traffic: ZoneTraffic;

  constructor(zone: Zone) {
    this.traffic = new ZoneTraffic(zone);
  }

  alloc(order: number, mt: number): number {
    return this.traffic.take(order, mt);
  }

  free(pfn: number): void {
    this.traffic.put(pfn);
  }

  drain(): void {}

  drainRange(): void {}

  zoneChanged(): void {}

  stats(): PcpStats {
    return {
      design: this.design, high: 0, batch: 0, cachedPages: 0, cachedPerCpu: [], highPerCpu: [],
      zoneBlocks: this.traffic.blocks, zoneMerges: this.traffic.merges, cpuMerges: 0, remoteFrees: 0,
      drains: 0, refills: 0, refillPages: [0, 0, 0, 0], ownedPageblocks: 0, handovers: 0,
    };
  }

  cachedTypeOf(): number {
    return -1;
  }

  check(): void {}
}

/** Builds the per-CPU layer of a design (validated by the caller). */
export function createPerCpuLayer(design: PcpDesign, zone: Zone, tuning: PcpTuning): PerCpuLayer {
  switch (design) {
    case 'none':
      return new NoPcp(zone);
    case 'classic':
      return new ClassicPcp(zone, tuning);
    case 'buddy':
      return new BuddyPcp(zone, tuning);
  }
}
