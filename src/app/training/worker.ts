/**
 * The training worker: runs src/train/run.ts off the UI thread, in slices of about 30 ms so that pause and the
 * app's requests are answered between them, with a slice's rest after each while the app computes a picture. Posts checkpoints as they come, progress a few times a second, and the
 * weights now (a live net) when the app asks for one (it asks again once the previous one is drawn), at most five a
 * second.
 */

import { NeedsDigits } from '../../model/mnist.ts';
import type { Net } from '../../model/net.ts';
import { type Dataset, makeDataset } from '../../train/datasets.ts';
import { defaultProbes } from '../../train/measures.ts';
import { type RunEvent, type RunSpec, runTraining } from '../../train/run.ts';
import { browserDigits, loadDigits } from '../mnistData.ts';
import type { TrainingProgress, TrainingReply, TrainingRequest } from './protocol.ts';

const kSliceMs = 30;
const kProgressMs = 150;
const kLiveMs = 200;
/** Steps a second are measured over about this much time spent training (measures left out). */
const kRateMs = 1000;

interface Run {
  /** The app's id of the run: on every reply. */
  readonly id: number;
  readonly events: Generator<RunEvent>;
  readonly stepsPerEpoch: number;
  readonly trainCount: number;
  readonly batch: number;
  running: boolean;
  step: number;
  total: number;
  loss: number;
  /** (time, step) samples of the last second, for the rate; time spent in steps only (not in measures). */
  rate: { time: number; step: number }[];
  /** Milliseconds spent in training steps so far. */
  trainMs: number;
  /** Seconds the last checkpoint's evaluation and measures took. */
  measureSeconds: number;
}

let run: Run | null = null;
let wanted = true;
/** A net's picture is being computed: a slice's time of rest after each slice. */
let drawing = false;
let lastLive = 0;
let lastProgress = 0;
const wake = new MessageChannel();
let scheduled = false;

/** The next slice, once (a message, not setTimeout: nested timers are clamped to 4 ms). */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  wake.port2.postMessage(null);
}

type Reply = TrainingReply extends infer R ? (R extends unknown ? Omit<R, 'run'> : never) : never;

function reply(id: number, message: Reply, transfer: Transferable[] = []): void {
  self.postMessage({ ...message, run: id }, { transfer });
}

/** The buffers of a fresh copy of a net: moved to the page, not copied again. */
function buffers(net: Net): Transferable[] {
  const layers = net.output ? [...net.hidden, net.output] : net.hidden;
  return layers.flatMap((l) => [l.weight.buffer, l.bias.buffer]) as Transferable[];
}

function progressOf(r: Run): TrainingProgress {
  const epochs = Math.floor(r.step / r.stepsPerEpoch);
  const position = Math.min(r.trainCount, (r.step % r.stepsPerEpoch) * r.batch);
  const first = r.rate[0];
  const span = first ? (r.trainMs - first.time) / 1000 : 0;
  const stepsPerSecond = first && span > 0 ? (r.step - first.step) / span : 0;
  return {
    step: r.step,
    total: r.total,
    epoch: epochs + position / r.trainCount,
    loss: r.loss,
    stepsPerSecond,
    measureSeconds: r.measureSeconds,
  };
}

async function dataFor(spec: RunSpec): Promise<Dataset> {
  for (;;) {
    try {
      return makeDataset(spec.dataset, browserDigits);
    } catch (error) {
      if (!(error instanceof NeedsDigits)) throw error;
      await loadDigits(error.digits);
    }
  }
}

async function start(id: number, spec: RunSpec): Promise<void> {
  run = null;
  try {
    const data = await dataFor(spec);
    const stepsPerEpoch = Math.ceil(data.train.count / Math.max(1, spec.batch));
    run = {
      id,
      events: runTraining(spec, data, defaultProbes(data, spec.seed)),
      stepsPerEpoch,
      trainCount: data.train.count,
      batch: spec.batch,
      running: true,
      step: 0,
      total: 0,
      loss: Number.NaN,
      rate: [{ time: 0, step: 0 }],
      trainMs: 0,
      measureSeconds: 0,
    };
    wanted = true;
    schedule();
  } catch (error) {
    reply(id, { kind: 'error', message: (error as Error).message });
  }
}

/** One slice of training. */
function slice(): void {
  const r = run;
  if (!r?.running) return;
  const end = performance.now() + kSliceMs;
  try {
    while (r.running && performance.now() < end) {
      const before = performance.now();
      const next = r.events.next();
      const ms = performance.now() - before;
      if (next.done) {
        r.running = false;
        run = null;
        reply(r.id, { kind: 'done', progress: progressOf(r) });
        return;
      }
      const event = next.value;
      if (event.kind === 'start') {
        // The run's own net at once, before checkpoint 0's measures (seconds on a wide net).
        r.total = event.total;
        reply(r.id, { kind: 'live', step: 0, net: event.net }, buffers(event.net));
        continue;
      }
      if (event.kind === 'checkpoint') {
        r.measureSeconds = ms / 1000;
        reply(r.id, { kind: 'checkpoint', step: event.step, net: event.net, row: event.row }, buffers(event.net));
        continue;
      }
      r.trainMs += ms;
      r.step = event.step;
      r.total = event.total;
      r.loss = event.loss;
      const now = performance.now();
      if (wanted && now - lastLive >= kLiveMs && r.step < r.total) {
        wanted = false;
        lastLive = now;
        const net = event.snapshot();
        reply(r.id, { kind: 'live', step: r.step, net }, buffers(net));
      }
    }
  } catch (error) {
    r.running = false;
    run = null;
    reply(r.id, { kind: 'error', message: (error as Error).message });
    return;
  }
  r.rate.push({ time: r.trainMs, step: r.step });
  while (r.rate.length > 2 && r.trainMs - (r.rate[1]?.time ?? r.trainMs) > kRateMs) r.rate.shift();
  const now = performance.now();
  if (now - lastProgress >= kProgressMs) {
    lastProgress = now;
    reply(r.id, { kind: 'progress', progress: progressOf(r) });
  }
  if (!r.running) return;
  if (drawing) setTimeout(schedule, kSliceMs);
  else schedule();
}

wake.port1.onmessage = () => {
  scheduled = false;
  slice();
};

self.onmessage = (event: MessageEvent<TrainingRequest>) => {
  const request = event.data;
  switch (request.kind) {
    case 'start':
      void start(request.run, request.spec);
      return;
    case 'pause':
      if (run) run.running = false;
      return;
    case 'resume':
      if (run && !run.running) {
        run.running = true;
        run.rate = [{ time: run.trainMs, step: run.step }];
        schedule();
      }
      return;
    case 'want':
      wanted = true;
      return;
    case 'drawing':
      drawing = request.busy;
      return;
  }
};
