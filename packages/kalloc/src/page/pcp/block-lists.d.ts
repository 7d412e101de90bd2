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
export declare class BlockLists {
    readonly nodes: number;
    readonly lists: number;
    /** List each node is on, or -1. */
    readonly listOf: Int32Array;
    /** Nodes per list. */
    readonly length: Int32Array;
    private readonly next;
    private readonly prev;
    constructor(nodes: number, lists: number);
    /** The first node of `list`, or -1 when it is empty. */
    first(list: number): number;
    /** The last node of `list`, or -1 when it is empty. */
    last(list: number): number;
    /** The node after `node` on its list, or -1 at the end. */
    after(node: number): number;
    pushHead(list: number, node: number): void;
    pushTail(list: number, node: number): void;
    remove(node: number): void;
    private linkBetween;
    /** Links are consistent, every listed node knows its list, lengths are exact (ECORRUPT). */
    check(): void;
}
