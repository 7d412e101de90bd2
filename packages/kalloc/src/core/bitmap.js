/**
 * A fixed-size bitmap in 32-bit words with find-first-set, and the word-wise AND search the
 * gigablock index needs ("bitmap_and and a search").
 */
export class Bitmap {
    length;
    words;
    constructor(length) {
        this.length = length;
        this.words = new Uint32Array(Math.ceil(length / 32));
    }
    get(i) {
        return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
    }
    set(i) {
        this.words[i >>> 5] |= 1 << (i & 31);
    }
    clear(i) {
        this.words[i >>> 5] &= ~(1 << (i & 31));
    }
    assign(i, on) {
        if (on)
            this.set(i);
        else
            this.clear(i);
    }
    /** The first set bit at index >= from, or -1. */
    findFirst(from = 0) {
        const words = this.words;
        let w = from >>> 5;
        if (w >= words.length)
            return -1;
        let bits = words[w] & (~0 << (from & 31));
        while (bits === 0) {
            if (++w >= words.length)
                return -1;
            bits = words[w];
        }
        const i = (w << 5) + 31 - Math.clz32(bits & -bits);
        return i < this.length ? i : -1;
    }
    /** Makes this the union (OR) of sources[first], sources[first + step], ... (of its length). */
    setToUnion(sources, first = 0, step = 1) {
        const words = this.words;
        words.fill(0);
        for (let k = first; k < sources.length; k += step) {
            const src = sources[k].words;
            for (let w = 0; w < words.length; w++)
                words[w] |= src[w];
        }
    }
    /** Number of set bits. */
    count() {
        let n = 0;
        for (let w of this.words) {
            while (w !== 0) {
                w &= w - 1;
                n++;
            }
        }
        return n;
    }
    equals(other) {
        if (other.length !== this.length)
            return false;
        for (let i = 0; i < this.words.length; i++)
            if (this.words[i] !== other.words[i])
                return false;
        return true;
    }
}
/**
 * The first index >= from set in every bitmap of `all` (at least one) and clear in every bitmap
 * of `none`: (all[0] & all[1] ... & ~none[0] & ~none[1] ...) searched a word at a time, so a
 * search over N bits costs O(N / 32) word operations per bitmap. The bitmaps have one length.
 */
export function findFirstWhere(all, none, from = 0) {
    const first = all[0];
    if (!first)
        return -1;
    const words = first.words;
    for (let w = from >>> 5; w < words.length; w++) {
        let bits = words[w];
        if (w === from >>> 5)
            bits &= ~0 << (from & 31);
        for (let k = 1; k < all.length && bits !== 0; k++)
            bits &= all[k].words[w];
        for (let k = 0; k < none.length && bits !== 0; k++)
            bits &= ~none[k].words[w];
        if (bits !== 0) {
            const i = (w << 5) + 31 - Math.clz32(bits & -bits);
            return i < first.length ? i : -1;
        }
    }
    return -1;
}
/**
 * The first index >= from set in `include` and clear in every bitmap of `exclude`:
 * (include & ~exclude[0] & ~exclude[1] ...) searched a word at a time.
 */
export function findFirstAndNot(include, exclude, from = 0) {
    return findFirstWhere([include], exclude, from);
}
/** The first index >= from set in every bitmap of `all`. */
export function findFirstAnd(all, from = 0) {
    return findFirstWhere(all, [], from);
}
//# sourceMappingURL=bitmap.js.map