const EXAMPLES_PER_KIND = 3;
const EXAMPLE_CHARS = 160;
export class SkipLog {
    kinds = new Map();
    total = 0;
    add(kind, line, text) {
        this.total++;
        let entry = this.kinds.get(kind);
        if (!entry) {
            entry = { kind, count: 0, examples: [] };
            this.kinds.set(kind, entry);
        }
        entry.count++;
        if (entry.examples.length < EXAMPLES_PER_KIND) {
            entry.examples.push({ line, text: text.length > EXAMPLE_CHARS ? `${text.slice(0, EXAMPLE_CHARS)}...` : text });
        }
    }
    /** Kinds, most frequent first. */
    byKind() {
        return [...this.kinds.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
    }
    /** Human lines: "12 lines skipped: 10 unknown event sched_switch (first at line 14: ...)". */
    describe() {
        return this.byKind().map((k) => {
            const first = k.examples[0];
            return `${k.count} x ${k.kind}${first ? ` (e.g. line ${first.line}: ${first.text})` : ''}`;
        });
    }
}
//# sourceMappingURL=skips.js.map