/**
 * The progress of `npm run train` on stderr: steps, epoch, loss, steps/s and the time left, and what a long phase is
 * doing (drawing a wide net's weights, a checkpoint's evaluation and measures), redrawn at most ten times a second on
 * a terminal; elsewhere (a pipe, a log) a line at most every few seconds, and a line for every phase that lasts a
 * second. A timer redraws it, so the time in a phase shows while the training thread works. Checkpoint lines are
 * printed above the bar. Steps/s count training only: the training thread times its steps.
 */
import { formatDuration } from '../model/format.ts';

const kRedrawMs = 100;
const kLogMs = 5000;
/** A phase gets a line of its own in a log once it has lasted this long. */
const kPhaseLineMs = 1000;
const kBarWidth = 24;

interface Phase {
  readonly what: string;
  readonly done: number;
  readonly total: number | null;
  readonly since: number;
  /** Printed in the log already. */
  logged: boolean;
}

export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private readonly interval = this.tty ? kRedrawMs : kLogMs;
  private drawnAt = Number.NEGATIVE_INFINITY;
  private shown = false;
  private stepNow = 0;
  private loss = Number.NaN;
  /** Milliseconds the training thread spent in steps, and the steps. */
  private trainingMs = 0;
  private phaseNow: Phase | null = null;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly total: number,
    /** The epoch (completed passes and the share of the current one) after `step` steps. */
    private readonly epochOf: (step: number) => number,
  ) {
    this.timer = setInterval(() => this.tick(), this.tty ? kRedrawMs : 250);
    this.timer.unref();
  }

  /** Steps per second of training so far. */
  rate(): number {
    return this.trainingMs > 0 ? (1000 * this.stepNow) / this.trainingMs : Number.NaN;
  }

  /** Steps done, the last batch's loss, and the milliseconds spent in steps so far. */
  step(step: number, loss: number, trainingMs: number): void {
    const last = step === this.total && this.stepNow !== step;
    this.stepNow = step;
    this.loss = loss;
    this.trainingMs = trainingMs;
    this.phaseNow = null;
    const now = performance.now();
    if (now - this.drawnAt >= this.interval || last) this.draw(now);
  }

  /** What the run is doing now, besides steps (Report's terms: `done` of `total`, or a count when it is null). */
  phase(what: string, done: number, total: number | null): void {
    const since = this.phaseNow?.what === what ? this.phaseNow.since : performance.now();
    const logged = this.phaseNow?.what === what && this.phaseNow.logged;
    this.phaseNow = { what, done, total, since, logged };
  }

  /** A checkpoint's line above the bar. */
  checkpoint(line: string): void {
    this.phaseNow = null;
    this.clear();
    process.stderr.write(`${line}\n`);
    if (this.tty) this.draw(performance.now());
  }

  /** Removes the bar and stops redrawing it (before other messages). */
  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }

  private clear(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }

  private tick(): void {
    const now = performance.now();
    const phase = this.phaseNow;
    if (!this.tty && phase && !phase.logged && now - phase.since >= kPhaseLineMs) {
      phase.logged = true;
      this.draw(now);
      return;
    }
    if (now - this.drawnAt >= this.interval) this.draw(now);
  }

  private phaseText(now: number): string {
    const phase = this.phaseNow;
    if (!phase) return '';
    const count = phase.total === null ? `: ${phase.done}` : ` (${phase.done} of ${phase.total})`;
    return `  ${phase.what}${count}, ${formatDuration(now - phase.since)}`;
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
      `${Number.isFinite(rate) ? rate.toFixed(1) : '-'} steps/s  ETA ${left}${this.phaseText(now)}`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text.slice(0, Math.max(20, (process.stderr.columns ?? 200) - 1))}`);
      this.shown = true;
    } else {
      process.stderr.write(`${text}\n`);
    }
  }
}
