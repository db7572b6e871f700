/**
 * Progress bars on stderr for the long steps (loading, training, each CV fold, each tune
 * trial, ranking evaluation), with the time spent and an estimate of the time left. Only
 * when stderr is a terminal and the output is not --json: a log file or a pipe gets nothing.
 */
import cliProgress from 'cli-progress';

export interface ProgressWhere {
  json?: boolean;
}

/** Whether bars are drawn: stderr is a terminal and the output is for people. */
export function showsProgress(o: ProgressWhere): boolean {
  return !o.json && process.stderr.isTTY === true;
}

export class Progress {
  private readonly bar: cliProgress.SingleBar;
  private readonly started = Date.now();
  private done = 0;

  private constructor(
    label: string,
    private readonly total: number,
    unit: string,
  ) {
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} ${unit}{detail}  {duration_formatted} elapsed, ETA {estimate}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { detail: '', estimate: '…' });
  }

  /** A bar of `total` steps, or null when bars are not shown (not a terminal, or --json). */
  static start(o: ProgressWhere, label: string, total: number, unit: string): Progress | null {
    return showsProgress(o) ? new Progress(label, Math.max(1, total), unit) : null;
  }

  /** `done` of the total steps are finished; `detail` is shown after the count (", loss 0.51"). */
  update(done: number, detail = ''): void {
    this.done = done;
    this.bar.update(done, { detail, estimate: this.estimate() });
  }

  /** A line on stdout above the bar (the bar is cleared, the line written, the bar drawn again). */
  print(line: string): void {
    process.stderr.write('\r\x1b[K');
    process.stdout.write(`${line}\n`);
    this.bar.render();
  }

  stop(): void {
    this.bar.stop();
  }

  /** Linear in the steps done so far: each step is taken to cost the mean of those before. */
  private estimate(): string {
    if (this.done <= 0) return '…';
    const seconds = ((Date.now() - this.started) / 1000 / this.done) * (this.total - this.done);
    return formatSeconds(seconds);
  }
}

/** 42s, 3m 05s, 2h 07m. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/**
 * A callback (done, total) for a step that reports its own progress (ranking evaluation's
 * onProgress): the bar starts on the first call, once the total is known, and stops when
 * done reaches it. Returns undefined when bars are not shown, so nothing is passed at all.
 */
export function progressCallback(
  o: ProgressWhere,
  label: string,
  unit: string,
): ((done: number, total: number) => void) | undefined {
  if (!showsProgress(o)) return undefined;
  let bar: Progress | null = null;
  return (done, total) => {
    bar ??= Progress.start(o, label, total, unit);
    bar?.update(done);
    if (done >= total) {
      bar?.stop();
      bar = null;
    }
  };
}
