/**
 * The performance demo: flies a zoom path into the net (geometric, about a fixed point, from the current span down
 * to 1e-5 of it, then again) as fast as frames finish, and reports frames per second and evaluations per pixel.
 * Any user input stops it.
 */
import type { View } from '../model/view.ts';

export interface DemoTarget {
  view(): View;
  setView(view: View): void;
  /** Resolves when the picture of the current view is on screen. */
  frameDone(): Promise<void>;
}

const kZoomPerSecond = 1.6;
const kDepth = 1e-5;

export class ZoomDemo {
  private running = false;
  private times: number[] = [];

  constructor(private readonly target: DemoTarget) {}

  get active(): boolean {
    return this.running;
  }

  /** Frames finished in the last second. */
  get framesPerSecond(): number {
    const now = performance.now();
    this.times = this.times.filter((t) => now - t <= 1000);
    return this.times.length;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const start = this.target.view();
    let t0 = performance.now();
    while (this.running) {
      const seconds = (performance.now() - t0) / 1000;
      let span = start.span / kZoomPerSecond ** seconds;
      if (span < start.span * kDepth) {
        t0 = performance.now();
        span = start.span;
      }
      this.target.setView({ ...start, span });
      await this.target.frameDone();
      this.times.push(performance.now());
    }
  }

  stop(): void {
    this.running = false;
  }
}
