/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so that scenarios, tests and benchmarks
 * draw the same numbers on every run and every machine.
 */
export class Prng {
    a;
    b;
    c;
    d;
    constructor(seed = 1) {
        let s = seed >>> 0;
        const next = () => {
            s = (s + 0x9e3779b9) >>> 0;
            let z = s;
            z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
            z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
            return (z ^ (z >>> 16)) >>> 0;
        };
        this.a = next();
        this.b = next();
        this.c = next();
        this.d = next();
        for (let i = 0; i < 12; i++)
            this.u32();
    }
    /** A uniform 32-bit unsigned integer. */
    u32() {
        const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
        this.d = (this.d + 1) >>> 0;
        this.a = this.b ^ (this.b >>> 9);
        this.b = (this.c + (this.c << 3)) >>> 0;
        this.c = (this.c << 21) | (this.c >>> 11);
        this.c = (this.c + t) >>> 0;
        return t;
    }
    /** A uniform float in [0, 1) with 53 bits of randomness. */
    float() {
        return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992;
    }
    /** A uniform integer in [0, n) for 1 <= n <= 2^53. */
    below(n) {
        if (n <= 0x1_0000_0000) {
            // Lemire-style rejection keeps the draw unbiased for any n.
            const limit = 0x1_0000_0000 - (0x1_0000_0000 % n);
            let x = this.u32();
            while (x >= limit)
                x = this.u32();
            return x % n;
        }
        return Math.floor(this.float() * n);
    }
    /** A uniform integer in [lo, hi] (inclusive). */
    range(lo, hi) {
        return lo + this.below(hi - lo + 1);
    }
    /** True with probability p. */
    chance(p) {
        return this.float() < p;
    }
    /** Fisher-Yates shuffle in place. */
    shuffle(items) {
        for (let i = items.length - 1; i > 0; i--) {
            const j = this.below(i + 1);
            const t = items[i];
            items[i] = items[j];
            items[j] = t;
        }
        return items;
    }
}
//# sourceMappingURL=prng.js.map