import { invariant } from "../../core/errors.js";
import { BlockLists } from "./block-lists.js";
import { ZoneTraffic } from "./zone-traffic.js";
/**
 * What the classic and the pcp buddy caches share: each CPU has `slots` lists of cached blocks
 * (all in one BlockLists, list = cpu * slots + slot), a page count checked against `high`, and
 * the drain machinery that returns blocks to the zone under one zone-lock acquisition per batch.
 * A cached block is a HELD block of the zone listed by its first pfn; its order is the zone's.
 */
export class PerCpuCache {
    cpus;
    high;
    batch;
    zone;
    traffic;
    lists;
    slots;
    /** Pages each CPU holds, on its lists (and, for the pcp buddy, its remote-free queue). */
    count;
    /** Slots in the order a batch drain visits them. */
    drainOrder;
    /** Rotate through the lists from where the last drain stopped (classic), or start each drain at drainOrder[0]. */
    rotate;
    cursor;
    drains = 0;
    refills = 0;
    cpuMerges = 0;
    remoteFrees = 0;
    handovers = 0;
    ownedPageblocks = 0;
    refillPages = [0, 0, 0, 0];
    constructor(zone, tuning, slots, drainOrder, rotate) {
        this.zone = zone;
        this.cpus = tuning.cpus;
        this.high = tuning.high;
        this.batch = tuning.batch;
        this.traffic = new ZoneTraffic(zone);
        this.slots = slots;
        this.lists = new BlockLists(zone.pages, tuning.cpus * slots);
        this.count = new Int32Array(tuning.cpus);
        this.drainOrder = Int32Array.from(drainOrder);
        this.rotate = rotate;
        this.cursor = new Int32Array(tuning.cpus);
    }
    /** Runs before a CPU's cache is drained (the pcp buddy takes in its remote frees here). */
    prepareDrain(_cpu) { }
    /** Runs after a held block went back to the zone (the pcp buddy ends ownership here). */
    released(_pfn) { }
    get cachedPages() {
        return this.zone.pcpPages;
    }
    drain(cpu) {
        if (cpu >= 0)
            this.drainPages(cpu, Infinity);
        else
            for (let c = 0; c < this.cpus; c++)
                this.drainPages(c, Infinity);
    }
    drainRange(from, to) {
        for (let cpu = 0; cpu < this.cpus; cpu++) {
            this.prepareDrain(cpu);
            let locked = false;
            for (let list = cpu * this.slots; list < (cpu + 1) * this.slots; list++) {
                for (let pfn = this.lists.first(list); pfn >= 0;) {
                    const next = this.lists.after(pfn);
                    if (pfn < to && pfn + (1 << this.zone.orderOf(pfn)) > from) {
                        if (!locked)
                            this.traffic.lock();
                        locked = true;
                        this.releaseBlock(pfn);
                    }
                    pfn = next;
                }
            }
            if (locked) {
                this.traffic.unlock();
                this.drains++;
            }
        }
    }
    zoneChanged(_from, _to) { }
    /** A caller's block that the zone serves directly (orders the cache does not keep). */
    takeDirect(order, mt, cpu) {
        const pfn = this.traffic.take(order, mt);
        return pfn >= 0 ? pfn : this.reclaim(order, mt, cpu);
    }
    /**
     * free_pcppages_bulk: returns at least `pages` pages of `cpu` (all it has for Infinity) to
     * the zone under one lock acquisition, whole lists from their tails (the coldest blocks), in
     * drainOrder.
     */
    drainPages(cpu, pages) {
        this.prepareDrain(cpu);
        if (this.count[cpu] === 0)
            return;
        this.traffic.lock();
        const n = this.drainOrder.length;
        let freed = 0;
        let i = 0;
        for (; i < n && freed < pages; i++) {
            const list = cpu * this.slots + this.drainOrder[(this.cursor[cpu] + i) % n];
            for (let pfn = this.lists.last(list); pfn >= 0 && freed < pages; pfn = this.lists.last(list))
                freed += this.releaseBlock(pfn);
        }
        if (this.rotate)
            this.cursor[cpu] = (this.cursor[cpu] + i) % n;
        this.traffic.unlock();
        this.drains++;
    }
    /** Lists a block (not yet counted) on `slot` of `cpu`, at the head or the tail. */
    cache(cpu, slot, pfn, order, atTail) {
        const list = cpu * this.slots + slot;
        if (atTail)
            this.lists.pushTail(list, pfn);
        else
            this.lists.pushHead(list, pfn);
        this.count[cpu] += 1 << order;
    }
    /** Unlists a cached block of `order`; it stays held. */
    uncache(pfn, order) {
        const cpu = (this.lists.listOf[pfn] / this.slots) | 0;
        this.lists.remove(pfn);
        this.count[cpu] -= 1 << order;
    }
    /** Returns a cached block to the zone (the caller holds the zone lock); its pages. */
    releaseBlock(pfn) {
        const order = this.zone.orderOf(pfn);
        this.uncache(pfn, order);
        this.traffic.release(pfn, order);
        this.released(pfn);
        return 1 << order;
    }
    stats() {
        return {
            design: this.design,
            high: this.high,
            batch: this.batch,
            cachedPages: this.zone.pcpPages,
            cachedPerCpu: Array.from(this.count),
            zoneBlocks: this.traffic.blocks,
            zoneMerges: this.traffic.merges,
            cpuMerges: this.cpuMerges,
            remoteFrees: this.remoteFrees,
            drains: this.drains,
            refills: this.refills,
            refillPages: [...this.refillPages],
            ownedPageblocks: this.ownedPageblocks,
            handovers: this.handovers,
        };
    }
    check() {
        this.lists.check();
        let total = 0;
        for (let cpu = 0; cpu < this.cpus; cpu++) {
            let pages = 0;
            for (let slot = 0; slot < this.slots; slot++) {
                const want = this.slotOrder(slot);
                for (let pfn = this.lists.first(cpu * this.slots + slot); pfn >= 0; pfn = this.lists.after(pfn)) {
                    invariant(this.zone.stateOf(pfn) === 'held', `CPU ${cpu} caches pfn ${pfn}, which the zone has ${this.zone.stateOf(pfn)}`);
                    const order = this.zone.orderOf(pfn);
                    invariant(want < 0 || order === want, `CPU ${cpu} caches pfn ${pfn} of order ${order} on a list of order ${want}`);
                    pages += 1 << order;
                }
            }
            invariant(pages === this.count[cpu], `CPU ${cpu} caches ${pages} pages, counted ${this.count[cpu]}`);
            total += pages;
        }
        invariant(total === this.zone.pcpPages, `the CPUs cache ${total} pages, the zone counts ${this.zone.pcpPages} held for them`);
        this.checkDesign();
    }
}
//# sourceMappingURL=per-cpu-cache.js.map