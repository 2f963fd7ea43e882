/**
 * `npm run train`: trains a ReLU MLP on a 2-D synthetic set or MNIST (float64 on the CPU, deterministic) and, at each
 * checkpoint, writes the net (relu-mlp) and the papers' measures of its partition (trainFiles.ts), with a progress
 * bar on stderr. Bad settings are refused before anything is written; a loss that is not finite, a signal or a
 * failed write stop the run and keep every checkpoint written before.
 */
import { NeedsDigits } from '../model/mnist.ts';
import { type Dataset, makeDataset } from '../train/datasets.ts';
import { defaultProbes } from '../train/measures.ts';
import { initialNet, type MetricsRow, runTraining, totalSteps } from '../train/run.ts';
import { checkpointSteps } from '../train/schedule.ts';
import { TrainingError, trainProblem } from '../train/trainer.ts';
import { runCommand } from './commandLine.ts';
import { handleSignals, onInterrupt, stopping } from './lifecycle.ts';
import { nodeDigits } from './mnistFiles.ts';
import { OutputError } from './outputs.ts';
import { Progress } from './progress.ts';
import { kTrainCommand, type TrainArgs, trainArgs } from './trainArgs.ts';
import { RunWriter, runFile } from './trainFiles.ts';

/** The synchronous training yields to the event loop this often, so that a signal is answered. */
const kYieldMs = 50;

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
  const problem = trainProblem(spec, data, initialNet(spec, data));
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

function percent(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-';
}

/** One line per checkpoint. */
function checkpointLine(row: MetricsRow): string {
  const view = row.viewRegions === null ? '' : `, ${row.viewRegions} regions in view`;
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
  const probes = defaultProbes(data, spec.seed);
  const writer = new RunWriter(out, runFile(spec, data, probes, plan), data);
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
  const unregister = onInterrupt(() => {
    progress.clear();
    process.stderr.write(`train: ${kept()}\n`);
  });
  const started = performance.now();
  let yielded = performance.now();
  try {
    for (const event of runTraining(spec, data, probes)) {
      if (event.kind === 'step') {
        progress.step(event.step, event.loss);
      } else {
        if (stopping()) break;
        writer.checkpoint(event.net, event.row);
        progress.checkpoint(checkpointLine(event.row));
      }
      if (performance.now() - yielded > kYieldMs) {
        await new Promise((resolve) => setImmediate(resolve));
        if (stopping()) break;
        yielded = performance.now();
      }
    }
  } catch (error) {
    progress.clear();
    if (!(error instanceof TrainingError || error instanceof OutputError)) throw error;
    process.stderr.write(`train: ${error.message}; ${kept()}\n`);
    return 1;
  } finally {
    unregister();
  }
  // A signal arrived: the lifecycle exits once its cleanups ran.
  if (stopping()) return await new Promise<number>(() => {});
  progress.clear();
  const last = writer.rows.at(-1);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `trained ${total} steps in ${seconds.toFixed(1)} s (${progress.rate().toFixed(1)} steps/s): ` +
      `train ${percent(last?.trainAccuracy ?? Number.NaN)}, test ${percent(last?.testAccuracy ?? Number.NaN)}; ` +
      `wrote ${writer.rows.length} checkpoints, metrics and plots to ${out}\n`,
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
