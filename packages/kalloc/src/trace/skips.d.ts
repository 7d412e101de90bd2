/**
 * Lines a reader could not use, counted by kind with the first few kept (line number and text),
 * so a report can say what was skipped and why. Skipping is never fatal.
 */
export interface SkippedKind {
    kind: string;
    count: number;
    examples: {
        line: number;
        text: string;
    }[];
}
export declare class SkipLog {
    private readonly kinds;
    total: number;
    add(kind: string, line: number, text: string): void;
    /** Kinds, most frequent first. */
    byKind(): SkippedKind[];
    /** Human lines: "12 lines skipped: 10 unknown event sched_switch (first at line 14: ...)". */
    describe(): string[];
}
