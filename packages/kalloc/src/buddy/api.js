/** Public types of the buddy allocators (both designs share them). */
/**
 * The block object handed to users. It names its node and the node's generation at the time of
 * allocation, so a stale copy (freed or trimmed since) or one of another allocator is detected.
 */
export class BlockHandle {
    owner;
    node;
    generation;
    offset;
    size;
    order;
    clear;
    constructor(owner, node, generation, offset, size, order, clear) {
        this.owner = owner;
        this.node = node;
        this.generation = generation;
        this.offset = offset;
        this.size = size;
        this.order = order;
        this.clear = clear;
    }
    toJSON() {
        return { offset: this.offset, size: this.size, order: this.order, clear: this.clear };
    }
    [Symbol.for('nodejs.util.inspect.custom')]() {
        return this.toJSON();
    }
}
//# sourceMappingURL=api.js.map