import { NIL } from "../core/rb-forest.js";
/**
 * The highest-keyed node of `tree` whose value in `lane` is at least `threshold`, or NIL.
 *
 * The subtree maxima make this one root-to-leaf descent, O(log N): go right while the right
 * subtree can still answer, else take the node itself, else go left (whose maximum then must
 * qualify, because the node's own maximum did).
 */
export function lastAtLeast(forest, tree, lane, threshold) {
    const lanes = forest.lanes;
    const max = forest.max;
    const val = forest.val;
    const left = forest.left;
    const right = forest.right;
    let x = forest.roots[tree];
    if (x === NIL || max[x * lanes + lane] < threshold)
        return NIL;
    for (;;) {
        const r = right[x];
        if (r !== NIL && max[r * lanes + lane] >= threshold) {
            x = r;
        }
        else if (val[x * lanes + lane] >= threshold) {
            return x;
        }
        else {
            x = left[x];
        }
    }
}
//# sourceMappingURL=tree-search.js.map