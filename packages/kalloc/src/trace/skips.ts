/**
 * Lines a reader could not use, counted by kind with the first few kept (line number and text),
 * so a report can say what was skipped and why. Skipping is never fatal.
 */
export interface SkippedKind {
  kind: string;
  count: number;
  examples: { line: number; text: string }[];
}

const EXAMPLES_PER_KIND = 3;
const EXAMPLE_CHARS = 160;

export class SkipLog {
  private readonly kinds = new Map<string, SkippedKind>();
  total = 0;

  add(kind: string, line: number, text: string): void {
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
  byKind(): SkippedKind[] {
    return [...this.kinds.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
  }

  /** Human lines: "12 lines skipped: 10 unknown event sched_switch (first at line 14: ...)". */
  describe(): string[] {
    return this.byKind().map((k) => {
      const first = k.examples[0];
      return `${k.count} x ${k.kind}${first ? ` (e.g. line ${first.line}: ${first.text})` : ''}`;
    });
  }
}
