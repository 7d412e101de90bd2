import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KallocError } from '../packages/kalloc/src/core/errors.ts';
import { PageAllocator, type PageAllocatorOptions } from '../packages/kalloc/src/page/page-allocator.ts';

/** A zone with a bit of everything: buddy blocks of each type, a contiguous range. */
function busyZone(): { a: PageAllocator; order2: number; order0: number; contig: number } {
  const a = new PageAllocator({ pages: 2048, cpus: 2, pcp: 'none' });
  const order2 = a.alloc(2, { migratetype: 'movable' })!;
  const order0 = a.alloc(0, { migratetype: 'unmovable' })!;
  a.alloc(1, { migratetype: 'reclaimable' });
  const contig = a.allocContig(100)!;
  return { a, order2, order0, contig };
}

function expectError(code: string, fn: () => unknown, mention?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KallocError, `expected a KallocError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (mention) assert.match(e.message, mention);
    return true;
  });
}

/** Runs a call that must throw `code` and leave the allocator exactly as it was. */
function rejects(a: PageAllocator, code: string, fn: () => unknown, mention?: RegExp): void {
  const before = JSON.stringify(a.stats());
  const buddy = JSON.stringify(a.pagetypeinfo());
  expectError(code, fn, mention);
  assert.equal(JSON.stringify(a.stats()), before, 'stats changed by a rejected call');
  assert.equal(JSON.stringify(a.pagetypeinfo()), buddy);
  a.check();
}

test('page errors: order out of range or not an integer', () => {
  const { a } = busyZone();
  for (const order of [-1, 11, 1.5, NaN, Infinity, '1', undefined, null]) {
    rejects(a, 'EINVAL', () => a.alloc(order as number), /order/);
  }
});

test('page errors: bad migratetype and cpu out of range', () => {
  const { a, order2 } = busyZone();
  rejects(a, 'EINVAL', () => a.alloc(0, { migratetype: 'highatomic' as never }), /migratetype = "highatomic"/);
  rejects(a, 'EINVAL', () => a.alloc(0, { cpu: 2 }), /cpu = 2/);
  rejects(a, 'EINVAL', () => a.alloc(0, { cpu: -1 }), /cpu/);
  rejects(a, 'EINVAL', () => a.free(order2, { cpu: 5 }), /cpu = 5/);
  rejects(a, 'EINVAL', () => a.allocContig(4, { cpu: 9 }), /cpu = 9/);
  rejects(a, 'EINVAL', () => a.drain(2), /cpu = 2/);
  rejects(a, 'EINVAL', () => a.alloc(0, 7 as never), /opts/);
});

test('page errors: pfn not allocated, double free, middle of a block, contig vs buddy', () => {
  const { a, order2, order0, contig } = busyZone();
  rejects(a, 'EINVAL', () => a.free(-1), /pfn = -1/);
  rejects(a, 'EINVAL', () => a.free(2048), /pfn = 2048/);
  rejects(a, 'EINVAL', () => a.free(0.5), /pfn/);
  rejects(a, 'EFAULT', () => a.free(2000), /pfn = 2000/); // inside a free block
  rejects(a, 'EFAULT', () => a.free(order2 + 1), /inside a block/);
  rejects(a, 'EFAULT', () => a.free(order2 + 3), /inside a block/);
  a.free(order0);
  rejects(a, 'EFAULT', () => a.free(order0), /double free/);
  // free() of a contiguous range, freeContig() of a buddy block or with the wrong length.
  rejects(a, 'EFAULT', () => a.free(contig), /freeContig/);
  rejects(a, 'EFAULT', () => a.free(contig + 7), /freeContig/);
  rejects(a, 'EFAULT', () => a.freeContig(order2, 4), /not the start of a contiguous/);
  rejects(a, 'EFAULT', () => a.freeContig(contig, 99), /has 100 pages/);
  rejects(a, 'EFAULT', () => a.freeContig(contig + 1, 99), /not the start/);
  rejects(a, 'EINVAL', () => a.freeContig(contig, 0), /nrPages = 0/);
  a.freeContig(contig, 100);
  rejects(a, 'EFAULT', () => a.freeContig(contig, 100), /not the start/);
});

test('page errors: allocContig sizes, alignment, offset and window', () => {
  const { a } = busyZone();
  rejects(a, 'EINVAL', () => a.allocContig(0), /nrPages = 0/);
  rejects(a, 'EINVAL', () => a.allocContig(2049), /nrPages = 2049/);
  rejects(a, 'EINVAL', () => a.allocContig(-3), /nrPages/);
  rejects(a, 'EINVAL', () => a.allocContig(8, { align: 3 }), /align = 3: must be a power of two/);
  rejects(a, 'EINVAL', () => a.allocContig(8, { align: 0 }), /align = 0/);
  rejects(a, 'EINVAL', () => a.allocContig(8, { align: 8, offset: 8 }), /offset = 8: must be less than align/);
  rejects(a, 'EINVAL', () => a.allocContig(8, { offset: 8 }), /offset = 8/); // default align 8
  rejects(a, 'EINVAL', () => a.allocContig(8, { offset: -1 }), /offset/);
  rejects(a, 'EINVAL', () => a.allocContig(8, { start: 100, end: 50 }), /end = 50/);
  rejects(a, 'EINVAL', () => a.allocContig(8, { end: 4096 }), /end = 4096/);
  rejects(a, 'EINVAL', () => a.compact({ order: 11 }), /order = 11/);
});

test('page errors: bad constructor options', () => {
  const bad: [unknown, RegExp][] = [
    [undefined, /pages = undefined/],
    [7, /options = 7/],
    [{}, /pages = undefined/],
    [{ pages: 0 }, /pages = 0/],
    [{ pages: 1.5 }, /pages/],
    [{ pages: 2 ** 30 }, /pages/],
    [{ pages: 64, maxOrder: -1 }, /maxOrder = -1/],
    [{ pages: 64, maxOrder: 40 }, /maxOrder = 40/],
    [{ pages: 64, maxOrder: 4, pageblockOrder: 5 }, /pageblockOrder = 5/],
    [{ pages: 64, gigablockOrder: 3 }, /gigablockOrder = 3/],
    [{ pages: 64, cpus: 0 }, /cpus = 0/],
    [{ pages: 64, cpus: 2.5 }, /cpus/],
    [{ pages: 64, pcp: 'percpu' }, /pcp = "percpu"/],
    [{ pages: 64, gigablocks: 'yes' }, /gigablocks = "yes"/],
    [{ pages: 64, onMigrate: 42 }, /onMigrate = 42/],
    [{ pages: 64, gigablocks: true, gigablockSearch: 'bitmap' }, /gigablockSearch = "bitmap": must be one of index, blind/],
    [{ pages: 64, gigablocks: true, contigTargeting: 'targeted' }, /contigTargeting = "targeted": must be one of index, none/],
    [{ pages: 64, gigablockSearch: 'blind' }, /gigablockSearch = "blind": applies only with gigablocks: true/],
    [{ pages: 64, gigablocks: false, contigTargeting: 'none' }, /contigTargeting = "none": applies only with gigablocks: true/],
    [{ pages: 64, page: 64 }, /options.page/],
  ];
  for (const [options, mention] of bad) {
    expectError('EINVAL', () => new PageAllocator(options as PageAllocatorOptions), mention);
  }
  // A valid zone still builds with every option spelled out.
  const a = new PageAllocator({ pages: 64, maxOrder: 4, pageblockOrder: 2, gigablockOrder: 3, cpus: 4, pcp: 'none', gigablocks: false, gigablockSearch: 'index', contigTargeting: 'index' });
  a.check();
  assert.equal(a.alloc(0, { cpu: 3 }) !== undefined, true);
});
