import { invariant } from '../core/errors.ts';
import {
  C_BLOCKS_RETURNED,
  C_BLOCKS_TAKEN,
  C_LOCK_ACQUIRED,
  C_LOCK_WAITED,
  C_ORPHAN_FREES,
  LINE,
  LOCK,
  ORPHAN,
  PAGE_WORDS as W,
  P_BLOCK,
  P_BLOCK_USED,
  P_BUMP,
  P_CLASS,
  P_FREE,
  P_NEXT,
  P_ORDER,
  P_OWNER,
  P_PREV,
  P_STATE,
  P_USED,
  O_ALLOCS,
  O_BLOCKS,
  O_EMPTY_BLOCKS,
  O_FREES,
  O_REMOTE_SENT,
  REMOTE_CLOSED,
  REMOTE_EMPTY,
  WORKER_ATTACHED,
  WORKER_DETACHED,
} from './layout.ts';
import { LARGE } from './page-buddy.ts';
import { GRANULE_SHIFT } from './size-classes.ts';
import type { HeapContext } from './context.ts';

/**
 * The full verifier behind SharedHeap.check(). It reads everything plainly, so it is exact only
 * while no other thread is inside a heap call. Beyond the page buddy's own checks:
 *  - pages of an owned block name its head and one owner (an attached worker or ORPHAN); other
 *    pages carry no block, owner or slab; a block's used count is its number of slab pages;
 *  - in each slab every object below the bump index is exactly one of: free on the slab's free
 *    list, allocated (objState 1) or on a remote-free list (objState 2); nothing else is marked;
 *  - each worker's class lists hold exactly its slabs with room, its page list exactly its
 *    non-slab pages; every objState-2 object is on exactly one remote-free list;
 *  - nobody holds the lock, detached workers own nothing.
 */
export function checkHeap(ctx: HeapContext): void {
  const { params, layout, classes, views: v, buddy } = ctx;
  const { pageSize, pages, maxWorkers } = params;
  const nc = classes.sizes.length;
  invariant(Atomics.load(v.meta, LOCK) === 0, 'the shared lock is held');
  const attached = (w: number): boolean => Atomics.load(v.meta, layout.workerState + w) === WORKER_ATTACHED;
  for (let w = 0; w < maxWorkers; w++) {
    const s = v.meta[layout.workerState + w];
    invariant(s === WORKER_ATTACHED || s === WORKER_DETACHED, `worker ${w}: state word ${s}`);
  }

  // Blocks of the page level; per-page fields of owned blocks.
  const inBlock = new Uint8Array(pages);
  const blocksOf = new Int32Array(maxWorkers);
  const emptyBlocksOf = new Int32Array(maxWorkers);
  buddy.check((b, k, state) => {
    const end = b + (1 << k);
    if (state === LARGE) return;
    const w = v.page[b * W + P_OWNER]!;
    invariant(w === ORPHAN || (w >= 0 && w < maxWorkers && attached(w)), `block ${b}: owner ${w} is not an attached worker`);
    if (w >= 0) blocksOf[w]!++;
    let slabs = 0;
    for (let q = b; q < end; q++) {
      inBlock[q] = 1;
      invariant(v.page[q * W + P_BLOCK] === b && v.page[q * W + P_OWNER] === w, `page ${q}: block ${v.page[q * W + P_BLOCK]} owner ${v.page[q * W + P_OWNER]}, expected ${b} ${w}`);
      if (v.page[q * W + P_CLASS]! >= 0) slabs++;
    }
    if (w >= 0 && slabs === 0) emptyBlocksOf[w]!++;
    invariant(v.page[b * W + P_BLOCK_USED] === slabs, `block ${b}: used count ${v.page[b * W + P_BLOCK_USED]} but ${slabs} slab pages`);
    invariant(w !== ORPHAN || slabs > 0, `orphan block ${b} is empty but was not returned`);
  });

  // Slabs: every object accounted for exactly once.
  const granulesPerPage = pageSize >>> GRANULE_SHIFT;
  let pending = 0;
  for (let p = 0; p < pages; p++) {
    const c = v.page[p * W + P_CLASS]!;
    const g0 = p * granulesPerPage;
    if (c < 0 || !inBlock[p]) {
      invariant(c === -1, `page ${p}: slab class ${c} outside an owned block`);
      invariant(inBlock[p] === 1 || (v.page[p * W + P_BLOCK] === -1 && v.page[p * W + P_OWNER] === -1), `page ${p}: not in an owned block but has block ${v.page[p * W + P_BLOCK]} owner ${v.page[p * W + P_OWNER]}`);
      for (let g = g0; g < g0 + granulesPerPage; g++) invariant(v.objState[g] === 0, `page ${p}: not a slab but granule ${g} is marked ${v.objState[g]}`);
      continue;
    }
    invariant(c < nc, `page ${p}: slab class ${c} out of range`);
    const size = classes.sizes[c]!;
    const cap = classes.perSlab[c]!;
    const bump = v.page[p * W + P_BUMP]!;
    invariant(bump >= 0 && bump <= cap, `slab ${p}: bump ${bump} of ${cap}`);
    const onList = new Uint8Array(cap);
    let free = 0;
    for (let off = v.page[p * W + P_FREE]!; off !== -1; off = v.data32[off >> 2]!) {
      const i = (off - p * pageSize) / size;
      invariant(Number.isInteger(i) && i >= 0 && i < bump, `slab ${p}: free list holds ${off}, not a carved object of class ${size}`);
      invariant(onList[i] === 0, `slab ${p}: object ${off} is on its free list twice`);
      invariant(v.objState[off >>> GRANULE_SHIFT] === 0, `slab ${p}: object ${off} is both free and allocated`);
      onList[i] = 1;
      free++;
    }
    let used = 0;
    for (let g = g0; g < g0 + granulesPerPage; g++) {
      const st = v.objState[g]!;
      if (st === 0) continue;
      const i = ((g - g0) << GRANULE_SHIFT) / size;
      invariant(st <= 2 && Number.isInteger(i) && i < bump, `slab ${p}: granule ${g} marked ${st} is not a carved object's start`);
      used++;
      if (st === 2) pending++;
    }
    invariant(v.page[p * W + P_USED] === used, `slab ${p}: used count ${v.page[p * W + P_USED]} but ${used} objects are allocated`);
    invariant(free + used === bump, `slab ${p}: ${free} free + ${used} used != ${bump} carved (an object is lost)`);
  }

  // Owner lists and remote-free stacks.
  const listed = new Uint8Array(pages);
  let remoteEntries = 0;
  for (let w = 0; w < maxWorkers; w++) {
    const area = layout.owner + w * layout.ownerStride;
    const head = v.meta[layout.remote + w * LINE]!;
    if (!attached(w)) {
      invariant(head === REMOTE_CLOSED || head === REMOTE_EMPTY, `detached worker ${w}: remote-free list not empty`);
      continue;
    }
    invariant(v.meta[area + nc + O_BLOCKS] === blocksOf[w], `worker ${w}: block count ${v.meta[area + nc + O_BLOCKS]} but owns ${blocksOf[w]}`);
    invariant(v.meta[area + nc + O_EMPTY_BLOCKS] === emptyBlocksOf[w], `worker ${w}: empty-block count ${v.meta[area + nc + O_EMPTY_BLOCKS]} but ${emptyBlocksOf[w]} are empty`);
    for (let at = area; at <= area + nc; at++) {
      const c = at - area; // c === nc: the free-page list
      let n = 0;
      for (let p = v.meta[at]!, q = -1; p !== -1; q = p, p = v.page[p * W + P_NEXT]!) {
        invariant(p >= 0 && p < pages && listed[p] === 0, `worker ${w}: list ${c} holds page ${p} twice or out of range`);
        invariant(v.page[p * W + P_PREV] === q && v.page[p * W + P_OWNER] === w && inBlock[p] === 1, `worker ${w}: list ${c}, page ${p} has a broken link or owner`);
        if (c < nc) invariant(v.page[p * W + P_CLASS] === c && v.page[p * W + P_USED]! < classes.perSlab[c]!, `worker ${w}: slab ${p} on list ${c} is full or of class ${v.page[p * W + P_CLASS]}`);
        else invariant(v.page[p * W + P_CLASS] === -1, `worker ${w}: page ${p} on the free-page list is a slab`);
        listed[p] = 1;
        n++;
      }
    }
    for (let off = head, n = 0; off !== REMOTE_EMPTY; off = v.data32[off >> 2]!) {
      invariant(off >= 0 && off < pages * pageSize && v.objState[off >>> GRANULE_SHIFT] === 2, `worker ${w}: remote-free list holds ${off}, not a remotely freed object`);
      invariant(++n <= pending, `worker ${w}: remote-free list is longer than the objects pending (a cycle?)`);
      remoteEntries++;
    }
  }
  invariant(remoteEntries === pending, `${pending} objects are remotely freed but ${remoteEntries} are on remote-free lists`);
  // Every page of an attached owner is listed unless it is a full slab; orphan pages never are.
  for (let p = 0; p < pages; p++) {
    if (!inBlock[p]) continue;
    const w = v.page[p * W + P_OWNER]!;
    const c = v.page[p * W + P_CLASS]!;
    const roomy = c < 0 || v.page[p * W + P_USED]! < classes.perSlab[c]!;
    if (w === ORPHAN) invariant(listed[p] === 0 && v.page[p * W + P_NEXT] === -1 && v.page[p * W + P_PREV] === -1, `orphan page ${p} is on a list`);
    else invariant(listed[p] === (roomy ? 1 : 0), `worker ${w}: page ${p} ${roomy ? 'has room but is on no list' : 'is full but listed'}`);
  }
}

export interface SharedHeapStats {
  size: number;
  pageSize: number;
  pages: number;
  mode: string;
  worker: number;
  freePages: number;
  /** Free blocks per order of the page level. */
  freeBlocks: number[];
  largeBlocks: number;
  largePages: number;
  ownedBlocks: number;
  orphanBlocks: number;
  slabs: number;
  liveObjects: number;
  /** Objects freed by another worker and not yet reclaimed by their owner. */
  pendingRemoteFrees: number;
  lock: { acquired: number; waited: number };
  blocksTaken: number;
  blocksReturned: number;
  orphanFrees: number;
  workers: { worker: number; blocks: number; allocs: number; frees: number; remoteFreesSent: number }[];
}

export function heapStats(ctx: HeapContext, worker: number): SharedHeapStats {
  const { params, layout, classes, views: v, buddy } = ctx;
  const nc = classes.sizes.length;
  let largeBlocks = 0;
  let largePages = 0;
  let ownedBlocks = 0;
  let orphanBlocks = 0;
  for (let p = 0; p < params.pages; p += 1 << v.page[p * W + P_ORDER]!) {
    if (v.page[p * W + P_STATE] === LARGE) {
      largeBlocks++;
      largePages += 1 << v.page[p * W + P_ORDER]!;
    } else if (v.page[p * W + P_BLOCK] === p) {
      if (v.page[p * W + P_OWNER] === ORPHAN) orphanBlocks++;
      else ownedBlocks++;
    }
  }
  let slabs = 0;
  let liveObjects = 0;
  let pendingRemoteFrees = 0;
  for (let p = 0; p < params.pages; p++) {
    if (v.page[p * W + P_CLASS]! < 0) continue;
    slabs++;
    liveObjects += v.page[p * W + P_USED]!;
  }
  for (let g = 0; g < v.objState.length; g++) if (v.objState[g] === 2) pendingRemoteFrees++;
  const workers = [];
  for (let w = 0; w < params.maxWorkers; w++) {
    if (Atomics.load(v.meta, layout.workerState + w) !== WORKER_ATTACHED) continue;
    const area = layout.owner + w * layout.ownerStride + nc;
    workers.push({
      worker: w,
      blocks: v.meta[area + O_BLOCKS]!,
      allocs: v.meta[area + O_ALLOCS]!,
      frees: v.meta[area + O_FREES]!,
      remoteFreesSent: v.meta[area + O_REMOTE_SENT]!,
    });
  }
  return {
    size: params.pages * params.pageSize,
    pageSize: params.pageSize,
    pages: params.pages,
    mode: params.mode,
    worker,
    freePages: buddy.freePages(),
    freeBlocks: buddy.freeBlocks(),
    largeBlocks,
    largePages,
    ownedBlocks,
    orphanBlocks,
    slabs,
    liveObjects,
    pendingRemoteFrees,
    lock: { acquired: v.meta[C_LOCK_ACQUIRED]!, waited: v.meta[C_LOCK_WAITED]! },
    blocksTaken: v.meta[C_BLOCKS_TAKEN]!,
    blocksReturned: v.meta[C_BLOCKS_RETURNED]!,
    orphanFrees: v.meta[C_ORPHAN_FREES]!,
    workers,
  };
}
