/**
 * `npm run train`: trains a ReLU MLP on a 2-D synthetic set or MNIST (float64 on the CPU, deterministic) and, at each
 * checkpoint, writes the net (relu-mlp) and the papers' measures of its partition (trainFiles.ts), with a progress
 * bar on stderr. Bad settings are refused before anything is written; one run at a time writes a folder (its lock,
 * trainLock.ts); the training runs in a thread (trainThread.ts), so that a signal is answered at once. A loss that
 * diverges, a signal or a failed write stop the run and keep every checkpoint written before.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { counted } from '../model/format.ts';
import { NeedsDigits } from '../model/mnist.ts';
import { type Dataset, makeDataset } from '../train/datasets.ts';
import { defaultProbes } from '../train/measures.ts';
import { initialNet, type MetricsRow, totalSteps } from '../train/run.ts';
import { checkpointSteps } from '../train/schedule.ts';
import { TrainingError, trainProblem } from '../train/trainer.ts';
import { runCommand } from './commandLine.ts';
import { handleSignals, onInterrupt } from './lifecycle.ts';
import { nodeDigits } from './mnistFiles.ts';
import { OutputError } from './outputs.ts';
import { Progress } from './progress.ts';
import { kTrainCommand, type TrainArgs, trainArgs } from './trainArgs.ts';
import { RunWriter, runFile } from './trainFiles.ts';
import { RunLock } from './trainLock.ts';
import { startTrainThread, type ThreadMessage } from './trainThread.ts';

/**
 * A checkpoint file holds about 25 characters a weight; the readers (shot --run, the app) stop at maxFileBytes
 * (512 MiB): a net whose checkpoints no tool could read back is refused before anything is written.
 */
const kMaxWeights = Math.floor((512 * 2 ** 20) / 25);

/** Everything checked before a file is written: the data, the trainer's settings, the steps, the checkpoints. */
function prepare(args: TrainArgs): { data: Dataset; stepsPerEpoch: number; total: number; steps: number[] } {
  const { spec } = args;
  let data: Dataset;
  try {
    data = makeDataset(spec.dataset, nodeDigits);
  } catch (error) {
    if (error instanceof NeedsDigits) throw new TrainingError(`MNIST: ${error.message}`);
    throw new TrainingError((error as Error).message);
  }
  const widths = [data.inputDim, ...spec.widths, data.classes];
  const weights = widths.slice(1).reduce((sum, w, i) => sum + w * (widths[i] ?? 0), 0);
  if (weights > kMaxWeights) {
    throw new TrainingError(
      `the net ${widths.join('-')} has ${weights} weights: its checkpoints (relu-mlp JSON, about 25 bytes a weight) ` +
        `would be too large to read back; at most ${kMaxWeights}`,
    );
  }
  const problem = trainProblem(spec, data, initialNetShape(args, data));
  if (problem) throw new TrainingError(problem);
  const stepsPerEpoch = Math.ceil(data.train.count / spec.batch);
  const total = totalSteps(spec, stepsPerEpoch);
  if (!(total >= 1)) throw new TrainingError(`the run needs at least one step, not ${total}`);
  try {
    return { data, stepsPerEpoch, total, steps: checkpointSteps(total, stepsPerEpoch, spec.checkpoints) };
  } catch (error) {
    throw new TrainingError((error as Error).message);
  }
}

/** The trainer's checks need the net's shape only: a net of one hidden neuron a layer stands for it (no weights). */
function initialNetShape(args: TrainArgs, data: Dataset) {
  return initialNet({ ...args.spec, widths: args.spec.widths.map(() => 1) }, data);
}

function percent(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-';
}

/** One line per checkpoint. */
function checkpointLine(row: MetricsRow): string {
  // Exact polygons, unlike the distinct pixel patterns shot prints.
  const view = row.viewRegions === null ? '' : `, ${counted(row.viewRegions, 'region')} in view (exact)`;
  return (
    `step ${row.step} (epoch ${row.epoch.toFixed(2)}): loss ${row.loss.toPrecision(4)}, train ${percent(row.trainAccuracy)}, ` +
    `test ${percent(row.testAccuracy)}, regions/length/neuron ${row.regionsPerLengthPerNeuron.toPrecision(4)}${view}, ` +
    `distance x neurons ${row.meanDistanceTimesNeurons.toPrecision(4)}`
  );
}

export async function main(argv: readonly string[]): Promise<number> {
  handleSignals('train');
  const args = runCommand(kTrainCommand, argv, trainArgs);
  if (typeof args === 'number') return args;
  let plan: ReturnType<typeof prepare>;
  try {
    plan = prepare(args);
  } catch (error) {
    if (!(error instanceof TrainingError)) throw error;
    process.stderr.write(`train: ${error.message}; nothing was written\n`);
    return 1;
  }
  const { spec, out } = args;
  const { data, total } = plan;
  const run = randomBytes(6).toString('hex');
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    process.stderr.write(`train: cannot create ${out}: ${(error as Error).message}; nothing was written\n`);
    return 1;
  }
  const taken = RunLock.take(out, run);
  if (typeof taken === 'string') {
    process.stderr.write(`train: ${taken}; nothing was written\n`);
    return 1;
  }
  const { lock } = taken;
  if (taken.note) process.stderr.write(`train: ${out}: ${taken.note}\n`);
  const probes = defaultProbes(data, spec.seed);
  const writer = new RunWriter(out, runFile(run, spec, data, probes, plan), data);
  const { stepsPerEpoch } = plan;
  // As the trainer counts: whole epochs, then the samples of the current one (the last batch of an epoch is smaller).
  const epochOf = (step: number): number =>
    Math.floor(step / stepsPerEpoch) + Math.min(1, ((step % stepsPerEpoch) * spec.batch) / data.train.count);
  const progress = new Progress(total, epochOf);
  const kept = (): string => {
    const last = writer.rows.at(-1);
    return last === undefined
      ? 'nothing was written'
      : `${out} keeps ${writer.rows.length} checkpoint${writer.rows.length === 1 ? '' : 's'} up to step ${last.step} and the metrics`;
  };
  // Cleanups run last registered first: the message, then the lock.
  const unlock = onInterrupt(() => lock.release());
  const unregister = onInterrupt(() => {
    progress.stop();
    process.stderr.write(`train: ${kept()} (run ${run})\n`);
  });
  const started = performance.now();
  const outcome = await new Promise<string | null>((resolve) => {
    // Once the run has an outcome, the messages the thread had queued before it was terminated are dropped: a
    // checkpoint after a failed write is not written.
    let ended = false;
    const end = (result: string | null) => {
      ended = true;
      resolve(result);
    };
    const thread = startTrainThread(
      { spec, data, probes },
      (message: ThreadMessage) => {
        if (ended) return;
        try {
          switch (message.kind) {
            case 'phase':
              progress.phase(message.what, message.done, message.total);
              return;
            case 'step':
              progress.step(message.step, message.loss, message.ms);
              return;
            case 'checkpoint':
              writer.checkpoint(message.net, message.row);
              progress.checkpoint(checkpointLine(message.row));
              return;
            case 'done':
              end(null);
              return;
            case 'failed':
              end(message.message);
              return;
          }
        } catch (error) {
          if (!(error instanceof OutputError)) throw error;
          void thread.terminate();
          end(error.message);
        }
      },
      (error) => end(`the training thread failed: ${error.message}`),
    );
  });
  unregister();
  progress.stop();
  lock.release();
  unlock();
  if (outcome !== null) {
    process.stderr.write(`train: ${outcome}; ${kept()}\n`);
    return 1;
  }
  const last = writer.rows.at(-1);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `trained ${counted(total, 'step')} in ${seconds.toFixed(1)} s (${progress.rate().toFixed(1)} steps/s): ` +
      `train ${percent(last?.trainAccuracy ?? Number.NaN)}, test ${percent(last?.testAccuracy ?? Number.NaN)}; ` +
      `wrote ${counted(writer.rows.length, 'checkpoint')}, metrics and plots to ${out} (run ${run})\n`,
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
