/**
 * The progress bar of `npm run train` on stderr: steps, epoch, loss, steps/s and the time left, redrawn at most ten
 * times a second on a terminal; elsewhere (a pipe, a log) a line at most every few seconds. Checkpoint lines are
 * printed above the bar. Steps/s count training only: the time spent measuring and writing checkpoints is left out.
 */
import { formatDuration } from '../model/format.ts';

const kRedrawMs = 100;
const kLogMs = 5000;
const kBarWidth = 24;

export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private readonly interval = this.tty ? kRedrawMs : kLogMs;
  private drawnAt = Number.NEGATIVE_INFINITY;
  private shown = false;
  private stepNow = 0;
  private loss = Number.NaN;
  /** Milliseconds of training steps; `mark` is when the last event was handled. */
  private trainingMs = 0;
  private stepsTimed = 0;
  private mark = performance.now();

  constructor(
    private readonly total: number,
    /** The epoch (completed passes and the share of the current one) after `step` steps. */
    private readonly epochOf: (step: number) => number,
  ) {}

  /** Steps per second of training so far. */
  rate(): number {
    return this.trainingMs > 0 ? (1000 * this.stepsTimed) / this.trainingMs : Number.NaN;
  }

  step(step: number, loss: number): void {
    const now = performance.now();
    this.trainingMs += now - this.mark;
    this.stepsTimed++;
    this.mark = now;
    this.stepNow = step;
    this.loss = loss;
    if (now - this.drawnAt >= this.interval || step === this.total) this.draw(now);
  }

  /** A checkpoint's line above the bar; the time it took is not training time. */
  checkpoint(line: string): void {
    this.clear();
    process.stderr.write(`${line}\n`);
    if (this.tty) this.draw(performance.now());
    this.mark = performance.now();
  }

  /** Removes the bar (before other messages). */
  clear(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  private draw(now: number): void {
    this.drawnAt = now;
    const done = Math.round((kBarWidth * this.stepNow) / Math.max(1, this.total));
    const bar = `[${'#'.repeat(done)}${'.'.repeat(kBarWidth - done)}]`;
    const rate = this.rate();
    const left = Number.isFinite(rate) ? formatDuration((1000 * (this.total - this.stepNow)) / rate) : 'unknown';
    const epoch = this.epochOf(this.stepNow).toFixed(2);
    const loss = Number.isFinite(this.loss) ? this.loss.toPrecision(4) : '-';
    const text =
      `${bar} step ${this.stepNow}/${this.total}  epoch ${epoch}  loss ${loss}  ` +
      `${Number.isFinite(rate) ? rate.toFixed(1) : '-'} steps/s  ETA ${left}`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text}`);
      this.shown = true;
    } else {
      process.stderr.write(`${text}\n`);
    }
  }
}
