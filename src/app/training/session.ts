/**
 * A training run as the app sees it: the Training folder's settings (the training table, src/settings/training.ts,
 * also in the URL as `train.*`), the worker's replies turned into checkpoints and progress, and the nets drawn
 * (picture.ts). Every run has an id; a reply of another run is dropped. The net shown is kept like a loaded net
 * (netStore, `net=ID` in the URL), so the view, the plane, the segment probe and every colour mode stay as they are.
 */

import { serializeNet } from '../../model/files/netFile.ts';
import { weightCount } from '../../model/limits.ts';
import { hiddenWidths, type Net } from '../../model/net.ts';
import {
  cloneTraining,
  formatTraining,
  kDefaultTraining,
  kTrainingTable,
  readTraining,
  runSpecOf,
  type TrainingSettings,
  trainingFromParams,
  trainingToParams,
} from '../../settings/training.ts';
import { type Dataset, makeDataset } from '../../train/datasets.ts';
import type { MetricsRow, RunSpec } from '../../train/run.ts';
import type { Messages } from '../messages.ts';
import { contentId, forgetStoredNet, storeNet } from '../netStore.ts';
import type { HashPart } from '../urlState.ts';
import { TrainingClient } from './client.ts';
import { type PictureHost, type RunNet, TrainingPicture } from './picture.ts';
import type { TrainingProgress, TrainingReply } from './protocol.ts';

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

export class TrainingSession implements HashPart {
  readonly settings: TrainingSettings = cloneTraining(kDefaultTraining);
  state: TrainingState = 'none';
  /** The id of the current run (0: none yet); replies of other runs are dropped. */
  run = 0;
  spec: RunSpec | null = null;
  /** The 2-D data set of the run (drawn over the picture); null for MNIST or no run. */
  data: Dataset | null = null;
  readonly checkpoints: Checkpoint[] = [];
  /** The checkpoint chosen on the timeline, or null while the live net is followed. */
  chosen: number | null = null;
  progress: TrainingProgress | null = null;
  lastError: string | null = null;
  readonly picture: TrainingPicture;
  readonly listeners: (() => void)[] = [];
  /** Writes the URL hash again (the app's, once the session is one of its parts). */
  urlChanged: () => void = () => {};
  private readonly client = new TrainingClient((reply) => this.receive(reply));
  /** A run was started in this page: the URL then holds all its settings. */
  private started = false;
  /** The worker was asked for a live net and has not sent it yet. */
  private asked = false;
  /** The next live net is drawn at once (the user went back to following). */
  private followNow = false;
  /** The worker was told that a picture is being computed. */
  private drawing = false;
  /** Weights of the checkpoints' nets kept, and the first that may be dropped next. */
  private keptWeights = 0;
  private dropFrom = 1;
  private storedId: string | null = null;

  constructor(
    host: PictureHost,
    private readonly messages: Messages,
  ) {
    this.picture = new TrainingPicture(host);
  }

  /** The net on screen, if it is of the current run. */
  get shown(): RunNet | null {
    const shown = this.picture.shown;
    return shown?.run === this.run && this.run > 0 ? shown : null;
  }

  /** A value typed or chosen in the panel, through the table's parser: a bad one is refused with a message. */
  edit(key: keyof TrainingSettings, text: string): void {
    const label = { name: kTrainingTable[key].name ?? key, sep: ' ' };
    const problem = readTraining(this.settings, key, text, label, false);
    if (problem) {
      const kept = problem.includes('; using') ? '' : `; kept ${formatTraining(key, this.settings[key])}`;
      this.messages.error(`training: ${problem}${kept}`);
    }
    this.urlChanged();
    this.notify();
  }

  /** The URL's `train.*` pairs (urlState.ts). */
  pairs(): [string, string][] {
    return trainingToParams(this.settings, this.started);
  }

  /** The `train.*` keys of a URL hash (on load, or edited). */
  read(params: URLSearchParams): void {
    const { settings, messages } = trainingFromParams(params, this.settings);
    for (const message of messages) this.messages.error(`URL: ${message}`);
    Object.assign(this.settings, settings);
    this.notify();
  }

  /** Starts a run of the settings, or resumes the paused one (goes on with the running one) if they did not change. */
  train(): void {
    const spec = runSpecOf(this.settings);
    const same = JSON.stringify(spec) === JSON.stringify(this.spec);
    if (this.state === 'running' && same) return;
    if (this.state === 'paused' && same) {
      this.state = 'running';
      this.client.resume();
      this.notify();
      return;
    }
    this.clear();
    this.run++;
    this.started = true;
    this.spec = spec;
    this.data = spec.dataset.name === 'mnist' ? null : makeDatasetOrNull(spec);
    this.state = 'running';
    this.client.start(this.run, spec);
    this.urlChanged();
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
    this.clear();
    this.notify();
  }

  /** Shows checkpoint `index` at once (the same view, plane and probe). */
  choose(index: number): void {
    const checkpoint = this.checkpoints[index];
    if (!checkpoint) return;
    this.chosen = index;
    this.picture.drop();
    if (!checkpoint.net) {
      this.messages.note(`the weights of step ${checkpoint.row.step} were dropped to save memory`);
    } else {
      this.picture.now(this.runNet(checkpoint.row.step, checkpoint.net, index));
    }
    this.notify();
  }

  /** Follows the live net again (the last checkpoint when the run is over). */
  follow(): void {
    this.chosen = null;
    if (this.state === 'running') {
      this.followNow = true;
      this.ask(true);
    } else if (this.checkpoints.length > 0) {
      this.choose(this.checkpoints.length - 1);
      this.chosen = null;
    }
    this.notify();
  }

  /**
   * Called when a frame is on screen (and on every reply): the picture may take the next net, or ask the worker for
   * one; again once the frame has ended (the scheduler says a frame is shown before it is idle).
   */
  frameShown(): void {
    this.check();
    setTimeout(() => this.check(), 0);
  }

  private check(): void {
    if (this.picture.advance()) this.notify();
    const busy = this.state === 'running' && !this.picture.ready;
    if (busy !== this.drawing) {
      this.drawing = busy;
      this.client.drawing(busy);
    }
    this.ask(false);
  }

  /** Asks the worker for the next live net when the picture is ready for it (`force`: at once). */
  private ask(force: boolean): void {
    if (this.state !== 'running' || this.chosen !== null || this.picture.pending) return;
    if (this.asked && !force) return;
    if (!force && !this.picture.ready) return;
    this.asked = true;
    this.client.want();
  }

  private clear(): void {
    this.client.stop();
    this.state = 'none';
    this.spec = null;
    this.data = null;
    this.checkpoints.length = 0;
    this.keptWeights = 0;
    this.dropFrom = 1;
    this.chosen = null;
    this.progress = null;
    this.picture.drop();
    this.asked = false;
    this.followNow = false;
    this.drawing = false;
    this.lastError = null;
  }

  private runNet(step: number, net: Net, checkpoint: number | null): RunNet {
    const id = contentId(`trained ${JSON.stringify(this.spec)} step ${step}`);
    return { run: this.run, step, checkpoint, id, net };
  }

  private receive(reply: TrainingReply): void {
    if (reply.run !== this.run) return;
    switch (reply.kind) {
      case 'progress':
        this.progress = reply.progress;
        break;
      case 'live':
        this.asked = false;
        this.live(reply.step, reply.net);
        break;
      case 'checkpoint':
        this.addCheckpoint(reply.net, reply.row);
        break;
      case 'done':
        this.progress = reply.progress;
        this.state = 'done';
        this.showLast();
        break;
      case 'error': {
        this.state = 'failed';
        this.lastError = reply.message;
        this.client.stop();
        const last = this.checkpoints.at(-1);
        this.messages.error(
          `training stopped: ${reply.message}` +
            (last ? `; the last good checkpoint (step ${last.row.step}) is shown` : '; the previous net stays'),
        );
        this.showLast();
        break;
      }
    }
    this.check();
    this.notify();
  }

  /** A live net: a run's first is drawn at once, framed; later ones when the picture is ready for them. */
  private live(step: number, net: Net): void {
    if (this.chosen !== null) return;
    const candidate = this.runNet(step, net, null);
    const first = this.picture.shown?.run !== this.run && !this.picture.pending;
    if (first && step === 0 && this.spec) {
      this.picture.now(candidate, { frame: { planar: this.spec.dataset.name !== 'mnist' }, confirm: true });
    } else if (this.followNow) {
      this.followNow = false;
      this.picture.now(candidate, { confirm: true });
    } else {
      this.picture.later(candidate, true);
    }
  }

  private addCheckpoint(net: Net, row: MetricsRow): void {
    const index = this.checkpoints.length;
    const checkpoint: Checkpoint = { row, net, id: this.runNet(row.step, net, index).id };
    this.checkpoints.push(checkpoint);
    // Past kMaxKeptWeights the oldest but the first lose their weights (the running sum: no pass over them all).
    this.keptWeights += weightsOf(net);
    while (this.keptWeights > kMaxKeptWeights && this.dropFrom < this.checkpoints.length - 1) {
      const old = this.checkpoints[this.dropFrom++];
      if (old?.net) this.keptWeights -= weightsOf(old.net);
      if (old) old.net = null;
    }
    const shown = this.picture.shown;
    const newer = shown?.run !== this.run || row.step > shown.step;
    if (this.chosen === null && newer && row.step > 0) this.picture.later(this.runNet(row.step, net, index), true);
  }

  /**
   * When the run stops, its last checkpoint is drawn (unless one was chosen) once the picture before it got its
   * chance, with the scheduler's usual budget, and is stored in the browser.
   */
  private showLast(): void {
    const index = this.checkpoints.length - 1;
    const last = this.checkpoints[index];
    if (!last?.net) return;
    if (this.chosen === null) this.picture.later(this.runNet(last.row.step, last.net, index), false);
    this.store(last.id, last.net);
  }

  /** Stores a net in the browser (small nets), so that the URL reloads it; the one stored before goes. */
  private store(id: string, net: Net): void {
    if (this.storedId === id || weightsOf(net) > kMaxStoredWeights) return;
    if (this.storedId !== null) forgetStoredNet(this.storedId);
    this.storedId = storeNet(id, serializeNet(net)) ? id : null;
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
