/**
 * Which of a run's nets is on the picture, and when the next one replaces it. A new run's first net, a checkpoint the
 * user chooses and a run's last net are drawn at once (a new run framed on its data set's view). A net's picture is
 * computed on to full detail (not paused at a coarse grid as too expensive, as a picture nobody asked for is), and
 * nets that arrive while the run trains wait until the picture before them is finished or exact on a grid of every
 * kFineStride-th pixel; the newest waiting net wins. Before, a long run showed coarse previews, each replaced as soon
 * as it paused.
 * A net counts as shown once a grid of its picture is on screen, so the label that names it (run, step, checkpoint)
 * always matches the net drawn.
 */
import type { Net } from '../../model/net.ts';
import { type SlicedNetwork, viewOfMarks } from '../../model/plane.ts';
import type { ImageSize } from '../../model/view.ts';
import type { Settings } from '../../settings/settings.ts';
import { kTrainingView } from '../../train/measures.ts';
import type { FrameScheduler } from '../frameScheduler.ts';
import { keepNet } from '../netStore.ts';

/** A grid this fine (every 4th pixel exact: 320 x 200 cells at 1280 x 800) shows a net well enough to move on. */
export const kFineStride = 4;

/** A net of a run, as the label names it. */
export interface RunNet {
  readonly run: number;
  readonly step: number;
  /** Its index among the run's checkpoints, or null for a live net. */
  readonly checkpoint: number | null;
  /** Its id in netStore (the URL's `net=`). */
  readonly id: string;
  readonly net: Net;
}

/** What the picture needs from the app. */
export interface PictureHost {
  readonly settings: Settings;
  readonly sliced: SlicedNetwork;
  readonly size: ImageSize;
  readonly scheduler: Pick<FrameScheduler, 'idle' | 'presentLog' | 'computeFullDetail'>;
  update(patch: Partial<Settings>): boolean;
}

/** The view that frames a run's data: the 2-D sets' square, or the images of an MNIST net's plane. */
function framing(host: PictureHost, planar: boolean): Partial<Settings> | null {
  const { width, height } = host.size;
  const aspect = width / Math.max(1, height);
  if (!planar) return viewOfMarks(host.sliced.plane, aspect);
  const { x0, x1, y0, y1 } = kTrainingView;
  // The square fits the width and the height, with a margin of a twentieth.
  const span = 1.05 * Math.max(x1 - x0, (y1 - y0) * aspect);
  return { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2, span };
}

export class TrainingPicture {
  /** The net on screen (a grid of its picture presented), or null before any. */
  shown: RunNet | null = null;
  /** The net asked for last, and when. */
  private current: { net: RunNet; at: number; confirm: boolean } | null = null;
  /** The newest net waiting for the picture before it. */
  private waiting: { net: RunNet; confirm: boolean } | null = null;

  constructor(private readonly host: PictureHost) {}

  /**
   * Whether the picture of the net asked for last got its chance (see above): finished (or paused: a change of view
   * made it a picture nobody asked for in full), or exact on a fine grid.
   */
  get ready(): boolean {
    const current = this.current;
    if (!current || this.host.scheduler.idle) return true;
    return this.host.scheduler.presentLog.some(
      (p) => p.at >= current.at && p.kind !== 'moved' && p.stride <= kFineStride,
    );
  }

  /** Whether a net waits for the picture. */
  get pending(): boolean {
    return this.waiting !== null;
  }

  /**
   * Draws `net` at once; `frame` (a new run's first net) also switches to the decision mode, the default plane and
   * the view of the data set (planar: the 2-D sets' square); `confirm` (a net of a running run, soon replaced)
   * computes its picture on past the scheduler's budget for pictures nobody asked for, to a fine grid at least.
   */
  now(net: RunNet, options: { readonly frame?: { readonly planar: boolean }; readonly confirm?: boolean } = {}): void {
    const { frame, confirm = false } = options;
    this.waiting = null;
    keepNet(net.id, net.net);
    const patch: Partial<Settings> = { net: net.id };
    // A classifier: the decision mode shows the classes over the regions, all layers, through the default plane.
    if (frame) Object.assign(patch, { mode: 'decision', layers: 0, unit: 0, plane: '' });
    if (frame?.planar) Object.assign(patch, framing(this.host, true));
    const at = performance.now();
    if (!this.host.update(patch)) return;
    if (frame && !frame.planar) {
      const view = framing(this.host, false);
      if (view) this.host.update(view);
    }
    if (confirm) this.host.scheduler.computeFullDetail();
    this.current = { net, at, confirm };
  }

  /** Draws `net` once the picture before it is ready (now, if it is); `confirm` as for `now`. */
  later(net: RunNet, confirm: boolean): void {
    this.waiting = { net, confirm };
    this.advance();
  }

  /** Nothing waits any more (a new run, a chosen checkpoint); the net on screen stays. */
  drop(): void {
    this.waiting = null;
  }

  /**
   * On each frame and reply: marks the net asked for as shown once a grid of it is on screen, and draws the waiting
   * net when the picture is ready. Returns whether what is shown changed.
   */
  advance(): boolean {
    const before = this.shown;
    const current = this.current;
    if (current && this.shown !== current.net) {
      const drawn = this.host.scheduler.presentLog.some((p) => p.at >= current.at && p.kind !== 'moved');
      if (drawn || this.host.scheduler.idle) this.shown = current.net;
    }
    const waiting = this.waiting;
    if (waiting && this.shown === this.current?.net && this.ready) this.now(waiting.net, { confirm: waiting.confirm });
    return this.shown !== before;
  }
}
