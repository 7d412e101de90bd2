import { invariant } from '../../core/errors.ts';

/**
 * Many circular doubly linked lists of nodes 0..nodes-1 (page frames or pageblocks), threaded
 * through typed-array columns, with one sentinel per list at index nodes + list. A node is on at
 * most one list; `listOf` says which (-1: none), so any node can be unlinked in O(1).
 *
 *   sentinel <-> first <-> ... <-> last <-> sentinel      pushHead = list_add, pushTail = list_add_tail
 *
 * The per-CPU caches keep their blocks here (a block is listed by its first pfn), the pcp buddy
 * also its remote-free queues and its lists of owned pageblocks with fragments in the zone.
 */
export class BlockLists {
  readonly nodes: number;
  readonly lists: number;
  /** List each node is on, or -1. */
  readonly listOf: Int32Array;
  /** Nodes per list. */
  readonly length: Int32Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;

  constructor(nodes: number, lists: number) {
    this.nodes = nodes;
    this.lists = lists;
    this.listOf = new Int32Array(nodes).fill(-1);
    this.length = new Int32Array(lists);
    this.next = new Int32Array(nodes + lists);
    this.prev = new Int32Array(nodes + lists);
    for (let s = nodes; s < nodes + lists; s++) {
      this.next[s] = s;
      this.prev[s] = s;
    }
  }

  /** The first node of `list`, or -1 when it is empty. */
  first(list: number): number {
    const n = this.next[this.nodes + list]!;
    return n >= this.nodes ? -1 : n;
  }

  /** The last node of `list`, or -1 when it is empty. */
  last(list: number): number {
    const n = this.prev[this.nodes + list]!;
    return n >= this.nodes ? -1 : n;
  }

  /** The node after `node` on its list, or -1 at the end. */
  after(node: number): number {
    const n = this.next[node]!;
    return n >= this.nodes ? -1 : n;
  }

  pushHead(list: number, node: number): void {
    this.linkBetween(list, node, this.nodes + list, this.next[this.nodes + list]!);
  }

  pushTail(list: number, node: number): void {
    this.linkBetween(list, node, this.prev[this.nodes + list]!, this.nodes + list);
  }

  remove(node: number): void {
    const next = this.next[node]!;
    const prev = this.prev[node]!;
    this.next[prev] = next;
    this.prev[next] = prev;
    this.length[this.listOf[node]!]!--;
    this.listOf[node] = -1;
  }

  private linkBetween(list: number, node: number, prev: number, next: number): void {
    this.next[node] = next;
    this.prev[node] = prev;
    this.next[prev] = node;
    this.prev[next] = node;
    this.listOf[node] = list;
    this.length[list]!++;
  }

  /** Links are consistent, every listed node knows its list, lengths are exact (ECORRUPT). */
  check(): void {
    let listed = 0;
    for (let list = 0; list < this.lists; list++) {
      const sentinel = this.nodes + list;
      let count = 0;
      for (let prev = sentinel, node = this.next[sentinel]!; node !== sentinel; prev = node, node = this.next[node]!) {
        invariant(node >= 0 && node < this.nodes && count < this.nodes, `list ${list} links to ${node}`);
        invariant(this.prev[node] === prev, `list ${list}: prev link of ${node} is wrong`);
        invariant(this.listOf[node] === list, `node ${node} is on list ${list} but says ${this.listOf[node]}`);
        count++;
      }
      invariant(count === this.length[list], `list ${list} has ${count} nodes, counted ${this.length[list]}`);
      listed += count;
    }
    let marked = 0;
    for (let n = 0; n < this.nodes; n++) if (this.listOf[n]! >= 0) marked++;
    invariant(marked === listed, `${marked} nodes say they are listed, the lists hold ${listed}`);
  }
}
