import { BuddyPcp } from "./buddy.js";
import { ClassicPcp } from "./classic.js";
import { ZoneTraffic } from "./zone-traffic.js";
export const PCP_DESIGNS = ['none', 'classic', 'buddy'];
/** pcp: 'none' — no per-CPU caching: each call takes the zone lock. */
export class NoPcp {
    design = 'none';
    cachedPages = 0;
    traffic;
    constructor(zone) {
        this.traffic = new ZoneTraffic(zone);
    }
    alloc(order, mt) {
        return this.traffic.take(order, mt);
    }
    free(pfn) {
        this.traffic.put(pfn);
    }
    drain() { }
    drainRange() { }
    zoneChanged() { }
    stats() {
        return {
            design: this.design, high: 0, batch: 0, cachedPages: 0, cachedPerCpu: [],
            zoneBlocks: this.traffic.blocks, zoneMerges: this.traffic.merges, cpuMerges: 0, remoteFrees: 0,
            drains: 0, refills: 0, refillPages: [0, 0, 0, 0], ownedPageblocks: 0, handovers: 0,
        };
    }
    check() { }
}
/** Builds the per-CPU layer of a design (validated by the caller). */
export function createPerCpuLayer(design, zone, tuning) {
    switch (design) {
        case 'none':
            return new NoPcp(zone);
        case 'classic':
            return new ClassicPcp(zone, tuning);
        case 'buddy':
            return new BuddyPcp(zone, tuning);
    }
}
//# sourceMappingURL=percpu.js.map