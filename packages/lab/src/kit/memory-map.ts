import type { MemoryMap } from '../scenario.ts';

type Segment = MemoryMap['segments'][number];

/**
 * Builds the segments of a memory map from pieces given in address order: neighbours in the
 * same state merge into one segment, and the space between pieces takes `gap`'s state.
 *
 *     add(0, 4, 'free'); add(4, 8, 'free'); add(12, 16, 'busy'); finish(20)
 *       -> free [0, 8), gap [8, 12), busy [12, 16), gap [16, 20)
 *
 * Every memory map of the lab goes through one of these.
 */
export class MapBuilder {
  private readonly segments: Segment[] = [];
  private at: number;

  /** `gap`: the state of space no piece covers (none: such space stays uncovered). */
  constructor(
    start: number,
    private readonly gap?: string,
  ) {
    this.at = start;
  }

  /** Adds [start, end) in `state`; pieces must come in address order and may not overlap. */
  add(start: number, end: number, state: string): this {
    if (start > this.at && this.gap !== undefined) this.push(this.at, start, this.gap);
    if (end > start) this.push(start, end, state);
    this.at = Math.max(this.at, end);
    return this;
  }

  /** The segments, with the space up to `end` filled in the gap state. */
  finish(end: number): Segment[] {
    if (end > this.at && this.gap !== undefined) this.push(this.at, end, this.gap);
    this.at = Math.max(this.at, end);
    return this.segments;
  }

  private push(start: number, end: number, state: string): void {
    const last = this.segments[this.segments.length - 1];
    if (last && last.state === state && last.end === start) last.end = end;
    else this.segments.push({ start, end, state });
  }
}
