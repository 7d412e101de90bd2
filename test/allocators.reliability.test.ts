import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BuddyAllocator, KallocError, LegacyBuddyAllocator, LinearRangeAllocator, PageAllocator, Prng, RangeAllocator, SharedHeap, type ContigDesign } from 'kalloc';

const is = (code: string, re?: RegExp) => (e: unknown) => e instanceof KallocError && e.code === code && (re === undefined || re.test(e.message));

test('unknown option keys are EINVAL naming the key, in every options object of every allocator', () => {
  const typo = /alignment|clear\b|migrateType|bogus/;
  const einval = (fn: () => unknown, what: string) => assert.throws(fn, is('EINVAL', typo), what);
  for (const R of [RangeAllocator, LinearRangeAllocator]) {
    einval(() => new R({ size: 4096, bogus: 1 } as never), `${R.name} constructor`);
    const r = new R({ size: 1 << 20 });
    einval(() => r.alloc(100, { alignment: 4096 } as never), `${R.name}.alloc`);
    r.check();
  }
  for (const B of [BuddyAllocator, LegacyBuddyAllocator]) {
    einval(() => new B({ size: 1 << 20, bogus: 1 } as never), `${B.name} constructor`);
    const b = new B({ size: 1 << 20 });
    einval(() => b.alloc(4096, { alignment: 4096 } as never), `${B.name}.alloc`);
    const blocks = b.alloc(4096)!;
    einval(() => b.free(blocks, { clear: true } as never), `${B.name}.free`);
    b.free(blocks);
    b.check();
  }
  einval(() => new PageAllocator({ pages: 1024, bogus: 1 } as never), 'PageAllocator constructor');
  const p = new PageAllocator({ pages: 1024 });
  einval(() => p.alloc(0, { migrateType: 'movable' } as never), 'PageAllocator.alloc');
  const pfn = p.alloc(0)!;
  einval(() => p.free(pfn, { bogus: 1 } as never), 'PageAllocator.free');
  einval(() => p.allocContig(4, { alignment: 4 } as never), 'PageAllocator.allocContig');
  einval(() => p.compact({ bogus: 1 } as never), 'PageAllocator.compact');
  p.free(pfn);
  p.check();
  einval(() => SharedHeap.create({ size: 65536, bogus: 1 } as never), 'SharedHeap.create');
  const h = SharedHeap.create({ size: 65536, maxWorkers: 2 });
  einval(() => h.alloc(16, { alignment: 4096 } as never), 'SharedHeap.alloc');
  einval(() => SharedHeap.attach(h.buffers, { worker: 1, bogus: 1 } as never), 'SharedHeap.attach');
  h.check();
});

test('range: sizeOf(-1) is undefined; start: -0 reads as 0', () => {
  for (const R of [RangeAllocator, LinearRangeAllocator]) {
    const r = new R({ size: 1 << 20 });
    for (let i = 0; i < 40; i++) r.alloc(100 + i);
    assert.equal(r.sizeOf(-1), undefined, `${R.name}.sizeOf(-1)`);
    assert.equal(r.sizeOf(-0.5), undefined);
    r.free(0);
    const at = r.alloc(10, { start: -0 });
    assert.ok(Object.is(at, 0), `${R.name}: alloc(10, { start: -0 }) returned ${Object.is(at, -0) ? '-0' : at}`);
    r.check();
  }
});

test('buddy: trim and free of a handle whose offset, size or order was changed are EFAULT', () => {
  for (const B of [BuddyAllocator, LegacyBuddyAllocator]) {
    const b = new B({ size: 4 << 20 });
    const [block] = b.alloc(2 << 20)!;
    for (const [field, value] of [['offset', 0], ['size', 4 << 20], ['order', 3], ['offset', 2 << 20]] as const) {
      if ((block as unknown as Record<string, number>)[field] === value) continue;
      const changed = Object.create(Object.getPrototypeOf(block), Object.getOwnPropertyDescriptors(block));
      Object.defineProperty(changed, field, { value });
      const before = JSON.stringify(b.stats());
      assert.throws(() => b.trim(changed, 1 << 20), is('EFAULT', /changed handle/), `${B.name}.trim with ${field} = ${value}`);
      assert.throws(() => b.free([changed]), is('EFAULT', /changed handle/), `${B.name}.free with ${field} = ${value}`);
      assert.equal(JSON.stringify(b.stats()), before);
      b.check();
    }
    b.trim(block!, 1 << 20);
    b.check();
    assert.equal(b.avail, 3 << 20);
  }
});

/** A zone where allocContig(512) must migrate: every other page of the low 1500 allocated movable. */
function fragmentedZone(onMigrate: (from: number, to: number, order: number) => void, contig: ContigDesign = 'memarea'): PageAllocator {
  const p = new PageAllocator({ pages: 4096, onMigrate, contig });
  const held: number[] = [];
  for (let i = 0; i < 1500; i++) held.push(p.alloc(0, { migratetype: 'movable' })!);
  for (let i = 0; i < held.length; i += 2) p.free(held[i]!);
  return p;
}

// Every contig design that migrates: memarea, and the temporary zone of the alloc_memarea thread.
for (const contig of ['memarea', 'temp-zone'] as const) {
  test(`page: onMigrate that throws stops allocContig (${contig}) with nothing lost; the error reaches the caller`, () => {
    for (const after of [1, 3, 40]) {
      let calls = 0;
      const p = fragmentedZone(() => {
        if (++calls === after) throw new Error('driver says no');
      }, contig);
      const free = p.stats().freePages;
      assert.throws(() => p.allocContig(512), /driver says no/);
      p.check();
      assert.equal(p.stats().freePages, free, `pages lost after the callback threw at call ${after}`);
      calls = 0;
      assert.throws(() => p.compact(), /driver says no/);
      p.check();
      assert.equal(p.stats().freePages, free, `compact: pages lost after the callback threw at call ${after}`);
      calls = -1e9; // now let it work: the allocator is usable and the range obtainable
      const got = p.allocContig(512);
      assert.notEqual(got, undefined);
      p.check();
    }
  });
}

test('page: onMigrate that calls back into the allocator gets EBUSY; nothing changes', () => {
  let p!: PageAllocator;
  const errors: string[] = [];
  const moves: [number, number][] = [];
  p = fragmentedZone((from, to) => {
    moves.push([from, to]);
    for (const call of [() => p.free(from), () => p.alloc(0), () => p.allocContig(1), () => p.compact(), () => p.drain(), () => p.freeContig(0, 1)]) {
      try {
        call();
        errors.push('accepted');
      } catch (e) {
        errors.push((e as KallocError).code);
      }
    }
  });
  const at = p.allocContig(512)!;
  assert.notEqual(at, undefined);
  assert.ok(moves.length > 0);
  assert.ok(errors.every((c) => c === 'EBUSY'), errors.join(' '));
  for (const [from, to] of moves) assert.ok(from !== to && (to < at || to >= at + 512), `moved ${from} -> ${to} into the range`);
  p.check();
});

test('page: allocContig compacts to make aligned room for the movable blocks it must move', () => {
  // [0, 2048) holds four movable order-9 blocks; the rest holds movable pages, every other one
  // free, and one unmovable page in each other 2048-page window. Only [0, 2048) can be cleared,
  // and its blocks need order-9 room, which exists only once the free pages are compacted.
  const p = new PageAllocator({ pages: 8192, onMigrate: () => {} });
  const big = [0, 1, 2, 3].map(() => p.alloc(9, { migratetype: 'movable' })!);
  assert.deepEqual([...big].sort((a, b) => a - b), [0, 512, 1024, 1536]);
  const small: number[] = [];
  for (let x = p.alloc(0, { migratetype: 'movable' }); x !== undefined; x = p.alloc(0, { migratetype: 'movable' })) small.push(x);
  for (const s of [2048, 4096, 6144]) {
    p.free(s);
    small.splice(small.indexOf(s), 1);
  }
  const fixed = [0, 1, 2].map(() => p.alloc(0, { migratetype: 'unmovable' })!);
  assert.deepEqual(fixed.sort((a, b) => a - b), [2048, 4096, 6144]);
  small.sort((a, b) => a - b).forEach((s, i) => i % 2 === 0 && p.free(s));
  p.check();
  assert.equal(p.allocContig(2048), 0);
  p.check();
});

test('page: onMigrate that throws leaves per-CPU cached blocks cached, wherever they lie around the window', () => {
  // Zone.releaseHeld frees every held block in the range it is given, and per-CPU cached blocks
  // are held blocks: the undo must give back only the window's pages and the blocks moved out of
  // it, never a CPU's cache next to them.
  let throws = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const rng = new Prng(seed);
    let calls = 0;
    let limit = Infinity;
    const p = new PageAllocator({
      pages: 1024, maxOrder: 5, pageblockOrder: 4, gigablockOrder: 8, gigablocks: rng.chance(0.5), cpus: 2, pcp: rng.chance(0.5) ? 'classic' : 'buddy',
      onMigrate: () => {
        if (++calls >= limit) throw new Error('driver says no');
      },
    });
    const live: number[] = [];
    for (let i = 0; i < 900; i++) {
      if (live.length > 0 && rng.chance(0.4)) {
        const j = rng.below(live.length);
        p.free(live[j]!, { cpu: rng.below(2) });
        live[j] = live[live.length - 1]!;
        live.pop();
      } else {
        const got = p.alloc(rng.below(3), { migratetype: rng.chance(0.1) ? 'unmovable' : 'movable', cpu: rng.below(2) });
        if (got !== undefined) live.push(got);
      }
    }
    const before = p.stats();
    limit = 1 + rng.below(20);
    try {
      p.allocContig(2 ** (4 + rng.below(4)));
    } catch {
      throws++;
      p.check();
      const after = p.stats();
      assert.equal(after.pcp.cachedPages, before.pcp.cachedPages, `seed ${seed}: cached pages`);
      assert.equal(after.freePages, before.freePages, `seed ${seed}: free pages`);
    }
  }
  assert.ok(throws > 100, `only ${throws} runs reached a migration`);
});
