import { type RbForest } from '../core/rb-forest.ts';
/**
 * The highest-keyed node of `tree` whose value in `lane` is at least `threshold`, or NIL.
 *
 * The subtree maxima make this one root-to-leaf descent, O(log N): go right while the right
 * subtree can still answer, else take the node itself, else go left (whose maximum then must
 * qualify, because the node's own maximum did).
 */
export declare function lastAtLeast(forest: RbForest, tree: number, lane: number, threshold: number): number;
