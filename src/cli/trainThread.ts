/**
 * The training of `npm run train` in a worker thread (src/train/run.ts, the same code as in the app's worker): the
 * main thread writes the files and the progress and stays free for signals, which are answered at once whatever the
 * run is doing (a step of a 4 x 2048 net, or a checkpoint's measures, takes tens of seconds of synchronous work).
 * The thread posts the steps (at most every kStepMs), the checkpoints, and what each long phase is doing.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Net } from '../model/net.ts';
import type { Dataset } from '../train/datasets.ts';
import type { Probes } from '../train/measures.ts';
import { type MetricsRow, type RunSpec, runTraining } from '../train/run.ts';
import { TrainingError } from '../train/trainer.ts';

export type ThreadMessage =
  | { readonly kind: 'phase'; readonly what: string; readonly done: number; readonly total: number | null }
  /** Steps so far, the last batch's loss and the milliseconds spent in steps alone. */
  | { readonly kind: 'step'; readonly step: number; readonly total: number; readonly loss: number; readonly ms: number }
  | { readonly kind: 'checkpoint'; readonly step: number; readonly net: Net; readonly row: MetricsRow }
  | { readonly kind: 'done' }
  /** A TrainingError's message (bad settings, divergence); anything else is the thread's 'error' event. */
  | { readonly kind: 'failed'; readonly message: string };

interface Job {
  readonly spec: RunSpec;
  readonly data: Dataset;
  readonly probes: Probes;
}

const kStepMs = 50;
const kPhaseMs = 100;

/** Starts the thread of a run; its messages go to `receive`, a crash to `crashed`. */
export function startTrainThread(job: Job, receive: (message: ThreadMessage) => void, crashed: (error: Error) => void) {
  // The thread runs this file through tsx, as the command itself runs (`node --import tsx`): a worker does not
  // inherit the --import hooks.
  const api = import.meta.resolve('tsx/esm/api');
  const self = import.meta.url;
  const source = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(self)}, ${JSON.stringify(self)}))`;
  const worker = new Worker(source, { eval: true, workerData: job });
  worker.on('message', receive);
  worker.on('error', crashed);
  return worker;
}

function run(job: Job, post: (message: ThreadMessage, transfer?: ArrayBuffer[]) => void): void {
  let phaseAt = 0;
  let stepAt = 0;
  let ms = 0;
  let last: { step: number; total: number; loss: number } | null = null;
  const flushStep = () => {
    if (last) post({ kind: 'step', ...last, ms });
    last = null;
    stepAt = performance.now();
  };
  try {
    const events = runTraining(job.spec, job.data, job.probes, (what, done, total) => {
      const now = performance.now();
      if (now - phaseAt < kPhaseMs && done !== 0) return;
      phaseAt = now;
      post({ kind: 'phase', what, done, total });
    });
    for (let before = performance.now(), next = events.next(); !next.done; next = events.next()) {
      const event = next.value;
      const now = performance.now();
      if (event.kind === 'step') {
        ms += now - before;
        last = { step: event.step, total: event.total, loss: event.loss };
        if (now - stepAt >= kStepMs || event.step === event.total) flushStep();
      } else if (event.kind === 'checkpoint') {
        flushStep();
        const layers = event.net.output ? [...event.net.hidden, event.net.output] : event.net.hidden;
        post(
          { kind: 'checkpoint', step: event.step, net: event.net, row: event.row },
          layers.flatMap((l) => [l.weight.buffer, l.bias.buffer]) as ArrayBuffer[],
        );
      }
      before = performance.now();
    }
    flushStep();
    post({ kind: 'done' });
  } catch (error) {
    if (!(error instanceof TrainingError)) throw error;
    post({ kind: 'failed', message: error.message });
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  run(workerData as Job, (message, transfer = []) => port.postMessage(message, transfer));
}
