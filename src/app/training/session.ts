/**
 * A training run as the app sees it: the worker's replies turned into checkpoints, progress and the net on screen.
 * The net shown is kept like a loaded net (netStore, `net=ID` in the URL), so the view, the plane, the segment probe
 * and every colour mode stay as they are. Live nets are paced by the picture: the next is asked for only once the
 * previous one is drawn.
 */
import { weightCount } from '../../model/limits.ts';
import { hiddenWidths, type Net } from '../../model/net.ts';
import { serializeNet } from '../../model/netFile.ts';
import type { Settings } from '../../settings/settings.ts';
import { type Dataset, makeDataset } from '../../train/datasets.ts';
import type { MetricsRow, RunSpec } from '../../train/run.ts';
import type { Messages } from '../messages.ts';
import { contentId, forgetStoredNet, keepNet, storeNet } from '../netStore.ts';
import { TrainingClient } from './client.ts';
import type { TrainingProgress, TrainingReply } from './protocol.ts';
import { kDefaultTraining, runSpecOf, type TrainingSettings } from './runSettings.ts';

/** What the session needs from the app. */
export interface TrainingHost {
  readonly settings: Settings;
  readonly idle: boolean;
  update(patch: Partial<Settings>): boolean;
}

export interface Checkpoint {
  readonly row: MetricsRow;
  /** Null once dropped to keep the checkpoints' weights within kMaxKeptWeights. */
  net: Net | null;
  readonly id: string;
}

export type TrainingState = 'none' | 'running' | 'paused' | 'done' | 'failed';

/** The checkpoints' weights kept at most (float64: 8 bytes each); older ones are dropped beyond (not the first). */
const kMaxKeptWeights = 40_000_000;
/** Nets up to this many weights are also stored in the browser when training stops, so the URL reloads them. */
const kMaxStoredWeights = 200_000;

function weightsOf(net: Net): number {
  return weightCount(net.inputDim, hiddenWidths(net)) + (net.output?.weight.length ?? 0);
}

export class TrainingSession {
  readonly settings: TrainingSettings = { ...kDefaultTraining };
  state: TrainingState = 'none';
  spec: RunSpec | null = null;
  /** The 2-D data set of the run (drawn over the picture); null for MNIST or no run. */
  data: Dataset | null = null;
  readonly checkpoints: Checkpoint[] = [];
  /** The checkpoint shown, or null while the live net is followed. */
  chosen: number | null = null;
  progress: TrainingProgress | null = null;
  /** The step of the net on screen. */
  shownStep: number | null = null;
  lastError: string | null = null;
  readonly listeners: (() => void)[] = [];
  private readonly client = new TrainingClient((reply) => this.receive(reply));
  /** A net waiting for the picture before it to finish. */
  private pending: { id: string; net: Net; step: number; live: boolean } | null = null;
  /** A live net was drawn last: the worker is asked for the next once the app is idle. */
  private drawingLive = false;
  private storedId: string | null = null;

  constructor(
    private readonly host: TrainingHost,
    private readonly messages: Messages,
  ) {}

  /** Starts a run of the settings, or resumes the paused one (goes on with the running one) if they did not change. */
  train(): void {
    const spec = runSpecOf(this.settings);
    if (typeof spec === 'string') {
      this.messages.error(`training: ${spec}`);
      return;
    }
    const same = JSON.stringify(spec) === JSON.stringify(this.spec);
    if (this.state === 'running' && same) return;
    if (this.state === 'paused' && same) {
      this.state = 'running';
      this.client.resume();
      this.notify();
      return;
    }
    this.clear();
    this.spec = spec;
    this.data = spec.dataset.name === 'mnist' ? null : makeDatasetOrNull(spec);
    this.state = 'running';
    this.client.start(spec);
    // A classifier: the decision mode shows the classes over the regions, all layers.
    this.host.update({ mode: 'decision', layers: 0, unit: 0 });
    this.notify();
  }

  pause(): void {
    if (this.state !== 'running') return;
    this.client.pause();
    this.state = 'paused';
    this.notify();
  }

  /** Ends the run and forgets it; the net on screen stays. */
  reset(): void {
    this.client.stop();
    this.clear();
    this.notify();
  }

  /** Shows checkpoint `index` (the same view, plane and probe). */
  choose(index: number): void {
    const checkpoint = this.checkpoints[index];
    if (!checkpoint) return;
    this.chosen = index;
    if (!checkpoint.net) {
      this.messages.note(`the weights of step ${checkpoint.row.step} were dropped to save memory`);
    } else {
      this.show(checkpoint.id, checkpoint.net, checkpoint.row.step, false);
    }
    this.notify();
  }

  /** Follows the live net again (the last checkpoint when the run is over). */
  follow(): void {
    this.chosen = null;
    if (this.state === 'running') {
      this.client.want();
    } else if (this.checkpoints.length > 0) {
      this.choose(this.checkpoints.length - 1);
      return;
    }
    this.notify();
  }

  /**
   * Called when a frame is on screen (and on every reply of the worker): a net waiting for the picture before it is
   * shown once the app is idle; after a live net is drawn, the worker is asked for the next.
   */
  frameShown(): void {
    // The scheduler says a frame is shown before it is idle: look once its frame has ended.
    setTimeout(() => this.flush(), 0);
  }

  private flush(): void {
    if (!this.host.idle) return;
    const pending = this.pending;
    if (pending) {
      this.pending = null;
      this.show(pending.id, pending.net, pending.step, pending.live);
      return;
    }
    if (this.drawingLive && this.state === 'running' && this.chosen === null) {
      this.drawingLive = false;
      this.client.want();
    }
  }

  private clear(): void {
    this.client.stop();
    this.state = 'none';
    this.spec = null;
    this.data = null;
    this.checkpoints.length = 0;
    this.chosen = null;
    this.progress = null;
    this.pending = null;
    this.drawingLive = false;
    this.lastError = null;
  }

  private idOf(step: number): string {
    return contentId(`trained ${JSON.stringify(this.spec)} step ${step}`);
  }

  /**
   * Shows a net once the picture before it is finished (a net changed in the middle of a picture would only make
   * the GPU start over; the picture paces the nets).
   */
  private show(id: string, net: Net, step: number, live: boolean): void {
    if (!this.host.idle) {
      this.pending = { id, net, step, live };
      return;
    }
    keepNet(id, net);
    this.drawingLive = live;
    this.shownStep = step;
    this.host.update({ net: id });
    if (!live && this.state !== 'running') this.store(id, net);
  }

  /** Stores the net shown in the browser (small nets), so that the URL reloads it; the one stored before goes. */
  private store(id: string, net: Net): void {
    if (this.storedId === id || weightsOf(net) > kMaxStoredWeights) return;
    if (this.storedId !== null) forgetStoredNet(this.storedId);
    this.storedId = storeNet(id, serializeNet(net)) ? id : null;
  }

  private receive(reply: TrainingReply): void {
    switch (reply.kind) {
      case 'progress':
        this.progress = reply.progress;
        break;
      case 'live':
        if (this.chosen === null) this.show(this.idOf(reply.step), reply.net, reply.step, true);
        break;
      case 'checkpoint':
        this.addCheckpoint(reply.net, reply.row);
        break;
      case 'done':
        this.progress = reply.progress;
        this.state = 'done';
        this.showLastCheckpointIfDrawn();
        break;
      case 'error':
        this.state = 'failed';
        this.lastError = reply.message;
        this.client.stop();
        this.messages.error(
          `training stopped: ${reply.message}` +
            (this.checkpoints.length > 0 ? '; the last good checkpoint is shown' : '; the previous net stays'),
        );
        this.showLastCheckpointIfDrawn();
        break;
    }
    this.flush();
    this.notify();
  }

  private addCheckpoint(net: Net, row: MetricsRow): void {
    const checkpoint: Checkpoint = { row, net, id: this.idOf(row.step) };
    this.checkpoints.push(checkpoint);
    let kept = this.checkpoints.reduce((sum, c) => sum + (c.net ? weightsOf(c.net) : 0), 0);
    for (const old of this.checkpoints.slice(1, -1)) {
      if (kept <= kMaxKeptWeights) break;
      if (old.net) kept -= weightsOf(old.net);
      old.net = null;
    }
    if (this.chosen === null) this.show(checkpoint.id, net, row.step, false);
  }

  /** When the run stops, the net shown is its last checkpoint (unless one was chosen). */
  private showLastCheckpointIfDrawn(): void {
    if (this.chosen !== null) return;
    const last = this.checkpoints.at(-1);
    if (last?.net) this.show(last.id, last.net, last.row.step, false);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

function makeDatasetOrNull(spec: RunSpec): Dataset | null {
  try {
    return makeDataset(spec.dataset, () => undefined);
  } catch {
    // The worker says what is wrong with the data set.
    return null;
  }
}
