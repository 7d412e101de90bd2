import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr when it is a terminal, silent otherwise (CI, pipes, --json). It only
 * appears for work that lasts longer than a second.
 */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly enabled: boolean;
  private started = 0;
  private label = '';

  constructor(enabled = process.stderr.isTTY === true) {
    this.enabled = enabled;
  }

  begin(label: string): void {
    this.end();
    this.label = label;
    this.started = performance.now();
  }

  update(done: number, total: number, detail = ''): void {
    if (!this.enabled) return;
    if (!this.bar) {
      if (performance.now() - this.started < 1000) return;
      this.bar = new cliProgress.SingleBar(
        { format: `{label} [{bar}] {percentage}% {detail}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(Math.max(total, 1), done, { label: this.label, detail });
    }
    this.bar.setTotal(Math.max(total, 1));
    this.bar.update(done, { label: this.label, detail });
  }

  end(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
