import type { ClaimOutcome, ExcludedClaim, ReviewQuestion } from '../scenario.ts';

/**
 * The claims of a review scenario: each is an ordinary claim (judged by kit/claims.ts) that also
 * names the reviewer's question it answers, so the report's Review section can list the question,
 * its thread, the answer from the figures and the chart behind it.
 */
export class ReviewThread {
  readonly claims: ClaimOutcome[] = [];
  readonly excluded: ExcludedClaim[] = [];

  constructor(private readonly thread: string) {}

  /** A judged claim answering `question`; `answer` is one sentence from the figures. */
  answer(question: string, claim: ClaimOutcome, answer: string, chart?: string): void {
    this.claims.push({ ...claim, question: this.question(question, answer, chart) });
  }

  /** A claim this run's size excludes (appliesFrom): the question stays listed, unanswered. */
  exclude(question: string, claim: ExcludedClaim, chart?: string): void {
    this.excluded.push({ ...claim, question: this.question(question, claim.reason, chart) });
  }

  /** The outcome fields: the claims judged and those excluded. */
  outcome(): { claims: ClaimOutcome[]; excluded?: ExcludedClaim[] } {
    return { claims: this.claims, ...(this.excluded.length > 0 ? { excluded: this.excluded } : {}) };
  }

  private question(question: string, answer: string, chart: string | undefined): ReviewQuestion {
    return { thread: this.thread, question, answer, ...(chart ? { chart } : {}) };
  }
}
