/**
 * `npm run bench`: fixed cases rendered in headless Chromium (the harness of `npm run shot`), the median of several
 * frames after a warm-up, each frame recomputing the fields and waiting for the GPU; then the interaction itself in
 * the app (interactionBench.ts): time to the first picture and from an input to the next picture; and the speed of
 * training on the CPU (trainingBench.ts), measured first, before the browser starts. With `--json`,
 * {"frames": [{"widths", "width", "height", "mode", "msPerFrame", "fullEvalsPerPixel", ...}], "interaction": [...],
 * "training": [{"dataset", "layers", "batch", "stepsPerSecond", "epochSeconds", ...}]}.
 * A CPU baseline (numpy float32 GEMMs of the same per-pixel computation) runs beside it when python3 has numpy.
 */
import { spawnSync } from 'node:child_process';
import type { Algorithm } from '../gpu/layout.ts';
import { counted, formatDuration } from '../model/format.ts';
import { mlpOnly, resolveNet } from '../model/netSource.ts';
import { escaped } from '../model/quote.ts';
import type { BenchRow } from './benchRow.ts';
import { type Command, integerFlag, numberFlag, runCommand, textFlag, UsageError, type Values } from './commandLine.ts';
import { kGraphCases, measureGraphCases } from './graphBench.ts';
import { startHarness, WebGpuUnavailableError } from './harness.ts';
import { type InteractionCase, type InteractionRow, measureInteraction, startAppServer } from './interactionBench.ts';
import { handleSignals } from './lifecycle.ts';
import { Shooter } from './shooter.ts';
import { kSmokeTrainingCases, kTrainingCases, measureTraining, type TrainingRow } from './trainingBench.ts';

interface BenchCase {
  readonly widths: number[];
  readonly width: number;
  readonly height: number;
  readonly span: number;
  readonly layers?: number;
  /** Only with --all (long on a machine without a GPU). */
  readonly extra?: boolean;
}

const kCentre = { cx: 0.3, cy: 0.2 };
const kCases: BenchCase[] = [
  { widths: [64, 64, 64], width: 512, height: 512, span: 2 },
  { widths: [1024, 1024, 1024, 1024], width: 256, height: 256, span: 0.01 },
  { widths: [64, 64, 64], width: 512, height: 512, span: 2, layers: 1 },
  { widths: [32, 32, 32, 32, 32, 32, 32, 32], width: 512, height: 512, span: 2 },
  { widths: [64, 64, 64], width: 1920, height: 1080, span: 2, extra: true },
  { widths: [1024, 1024, 1024, 1024], width: 1920, height: 1080, span: 0.01, extra: true },
  { widths: [64, 64, 64], width: 3840, height: 2160, span: 2, extra: true },
];
/** `--smoke`: tiny cases that check the benchmark itself (tests). */
const kSmokeCases: BenchCase[] = [
  { widths: [8, 8], width: 48, height: 40, span: 2 },
  { widths: [6, 6, 6], width: 40, height: 32, span: 2, layers: 2 },
];
/**
 * The app at 1280 x 800: its default net and view (3 x 32); 3 x 64 at the default view and a deep one (the frame
 * cases' centre, span 0.01); 4 x 1024 at both.
 */
const kNet64 = 'widths=64,64,64&sigmaB=0.1&seed=1';
const kNet1024 = 'widths=1024,1024,1024,1024&sigmaB=0.1&seed=1';
const kDeep = `cx=${kCentre.cx}&cy=${kCentre.cy}&span=0.01`;
const kInteractionCases: InteractionCase[] = [
  { name: '3x32 (the default)', hash: '', width: 1280, height: 800 },
  { name: '3x64', hash: `${kNet64}&span=4`, width: 1280, height: 800 },
  { name: '3x64', hash: `${kNet64}&${kDeep}`, width: 1280, height: 800 },
  { name: '4x1024', hash: `${kNet1024}&span=4`, width: 1280, height: 800 },
  { name: '4x1024', hash: `${kNet1024}&${kDeep}`, width: 1280, height: 800 },
  { name: 'MNIST CNN (ONNX)', hash: 'net=mnist-cnn', width: 1280, height: 800 },
];
const kSmokeInteraction: InteractionCase[] = [
  { name: '8,8', hash: 'widths=8,8&sigmaB=0.5&seed=1&span=4', width: 320, height: 240 },
];
/** Zooms timed per interaction case. */
const kZooms = 3;
/** Brute force on a machine without a GPU: frames above this many multiply-adds are timed on a crop. */
const kCpuMacBudget = 2e10;

export const kBenchCommand: Command = {
  name: 'bench',
  summary: `Fixed cases rendered in headless Chromium: the median of several frames after a warm-up, each recomputing
the fields and waiting for the GPU; a numpy baseline of the same per-pixel computation beside them.`,
  flags: [
    { name: 'frames', value: 'N', help: 'frames timed after one warm-up', group: 'cases', default: '5' },
    {
      name: 'max-seconds',
      value: 'S',
      help: 'stop timing a case after S seconds (at least one frame)',
      group: 'cases',
      default: '60',
    },
    { name: 'all', help: 'also the long cases (1920x1080 and 3840x2160 frames)', group: 'cases' },
    { name: 'only', value: 'fast|brute', help: 'only one algorithm', group: 'cases' },
    { name: 'smoke', help: 'tiny cases, to check that the benchmark runs', group: 'cases' },
    { name: 'gpu', help: "use the machine's GPU (default: SwiftShader)", group: 'cases' },
    { name: 'no-baseline', help: 'skip the numpy baseline', group: 'cases' },
    { name: 'no-graphs', help: 'skip the network graphs (the bundled MNIST CNN and residual net)', group: 'cases' },
    { name: 'no-interaction', help: 'skip the interaction rows (the app at 1280x800)', group: 'cases' },
    { name: 'no-training', help: 'skip the training rows (steps/s of the CPU trainer)', group: 'cases' },
    { name: 'json', help: 'an array of rows instead of the table', group: 'output' },
  ],
  epilogue: 'Exit codes: 0 done, 1 failed, 2 bad arguments, 3 no WebGPU.',
};

interface BenchOptions {
  readonly frames: number;
  readonly maxSeconds: number;
  readonly only: Algorithm | null;
  readonly values: Values;
}

function benchOptions(values: Values): BenchOptions {
  const only = textFlag(values, 'only');
  if (only !== null && only !== 'fast' && only !== 'brute') {
    throw new UsageError(`--only ${escaped(only, 20)}: expected fast or brute`);
  }
  return {
    frames: integerFlag(values, 'frames', 1, 10_000, 5),
    maxSeconds: numberFlag(values, 'max-seconds', 0.001, 1e6, 60),
    only,
    values,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function macsPerPixel(widths: readonly number[]): number {
  return widths.reduce((sum, w, i) => sum + 3 * w * (i === 0 ? 2 : (widths[i - 1] ?? 0)), 0);
}

function numpyBaseline(c: BenchCase, frames: number, maxSeconds: number): BenchRow | null {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const spec = JSON.stringify({ ...c, ...kCentre, frames, maxSeconds });
  const run = spawnSync('python3', ['scripts/numpy_baseline.py', spec], { encoding: 'utf8', env });
  if (run.status !== 0) return null;
  const result = JSON.parse(run.stdout) as { msPerFrame: number; frames: number };
  return {
    widths: c.widths,
    width: c.width,
    height: c.height,
    mode: 'numpy',
    msPerFrame: result.msPerFrame,
    fullEvalsPerPixel: 1,
    span: c.span,
    layers: c.widths.length,
    frames: result.frames,
  };
}

function table(rows: readonly BenchRow[]): string {
  const header = [
    'widths',
    'size',
    'span',
    'layers',
    'mode',
    'ms/frame',
    'frames',
    'evals/px',
    'floor',
    'colour only ms',
    'note',
  ];
  const lines = rows.map((r) => [
    r.net ?? widthsLabel(r.widths),
    `${r.width}x${r.height}`,
    String(r.span),
    String(r.layers),
    r.mode,
    r.msPerFrame.toFixed(1),
    String(r.frames),
    r.fullEvalsPerPixel.toFixed(4),
    r.floorEvalsPerPixel === undefined ? '' : r.floorEvalsPerPixel.toFixed(4),
    r.colourMs === undefined ? '' : r.colourMs.toFixed(1),
    r.measuredPixels ? `timed on ${r.measuredPixels} px, scaled` : '',
  ]);
  return textTable(header, lines);
}

/** Columns padded to their widest cell, a rule under the header. */
function textTable(header: readonly string[], lines: readonly string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format)].join('\n');
}

/** `4x1024` for four equal widths and more, `64,64,64` otherwise. */
function widthsLabel(widths: readonly number[]): string {
  return widths.length > 3 && new Set(widths).size === 1 ? `${widths.length}x${widths[0]}` : widths.join(',');
}

function interactionTable(rows: readonly InteractionRow[]): string {
  const header = [
    'net',
    'view',
    'first visit',
    'modules',
    'gpu',
    'net',
    'started',
    'first grid',
    'second visit',
    'finished',
    'estimates',
    'input->screen',
    'input->picture',
  ];
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const rest = (p: NonNullable<InteractionRow['paused']>): string =>
    p.measured ? `~${formatDuration(p.msLeft)}` : `${formatDuration(p.msLeft)} to ${formatDuration(p.msLeftAtMost)}`;
  const view = (hash: string): string => {
    const params = new URLSearchParams(hash);
    return `span ${params.get('span') ?? 4}${params.has('cx') ? ` at (${params.get('cx')}, ${params.get('cy')})` : ''}`;
  };
  const lines = rows.map((r) => [
    r.name,
    view(r.hash),
    seconds(r.first.firstPictureMs),
    seconds(r.first.modulesMs),
    seconds(r.first.gpuMs),
    seconds(r.first.netMs),
    seconds(r.first.startedMs),
    seconds(r.first.firstGridMs),
    seconds(r.second.firstPictureMs),
    r.finishedMs !== null
      ? seconds(r.finishedMs)
      : r.paused
        ? `preview 1/${r.paused.stride}, rest ${rest(r.paused)}`
        : 'not within --max-seconds',
    r.estimate
      ? `x${r.estimate.first.toFixed(2)} first, x${r.estimate.median.toFixed(2)} median (${r.estimate.count})`
      : '',
    seconds(r.inputToScreenMs),
    seconds(r.inputToPictureMs),
  ]);
  return textTable(header, lines);
}

function trainingTable(rows: readonly TrainingRow[]): string {
  const header = ['data', 'layers', 'batch', 'steps timed', 'ms/step', 'steps/s', 'epoch', 'note'];
  const lines = rows.map((r) => [
    r.dataset,
    r.layers.join('-'),
    String(r.batch),
    String(r.steps),
    r.msPerStep.toFixed(2),
    r.stepsPerSecond.toFixed(r.stepsPerSecond < 10 ? 2 : 0),
    `${r.epochSeconds.toFixed(2)} s (${counted(r.stepsPerEpoch, 'step')})`,
    r.extrapolated ? 'epoch extrapolated from the steps timed' : 'a whole epoch timed',
  ]);
  return textTable(header, lines);
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = runCommand(kBenchCommand, argv, benchOptions);
  if (typeof options === 'number') return options;
  const { frames, maxSeconds, only, values } = options;
  handleSignals('bench');
  const gpu = values.gpu === true;
  const cases = values.smoke ? kSmokeCases : kCases.filter((c) => !c.extra || values.all);
  let harness: Awaited<ReturnType<typeof startHarness>> | null = null;
  const rows: BenchRow[] = [];
  const interaction: InteractionRow[] = [];
  const training: TrainingRow[] = [];
  try {
    // The CPU trainer first, alone on the machine (before Chromium starts).
    for (const c of values['no-training'] ? [] : values.smoke ? kSmokeTrainingCases : kTrainingCases) {
      const row = measureTraining(c);
      training.push(row);
      process.stderr.write(`${trainingTable([row]).split('\n')[2]}\n`);
    }
    harness = await startHarness({ gpu });
    const shooter = await Shooter.open(harness);
    process.stderr.write(`WebGPU adapter: ${shooter.info.adapter}\n`);
    for (const c of cases) {
      const source = { kind: 'random', spec: { widths: c.widths, sigmaB: 0.1, seed: 1 } } as const;
      await shooter.setNet(mlpOnly(resolveNet(source), 'a random net'), source.spec);
      for (const algorithm of (['brute', 'fast'] as const).filter((a) => only === null || a === only)) {
        let { width, height } = c;
        let measuredPixels: number | undefined;
        if (algorithm === 'brute' && !gpu && macsPerPixel(c.widths) * width * height > kCpuMacBudget) {
          const side = Math.max(16, Math.floor(Math.sqrt(kCpuMacBudget / 8 / macsPerPixel(c.widths)) / 16) * 16);
          measuredPixels = side * side;
          [width, height] = [side, side];
        }
        // A crop keeps the pixel size of the full frame: the same span per pixel, centred.
        const span = (c.span * width) / c.width;
        const request = {
          view: { ...kCentre, span },
          width,
          height,
          layersShown: c.layers ?? c.widths.length,
          mode: 'regions' as const,
          palette: 'vivid' as const,
          edgeWidth: 1,
          algorithm,
          pixels: true,
          fields: false,
        };
        const reply = await shooter.bench(request, frames, maxSeconds);
        const scale = measuredPixels ? (c.width * c.height) / measuredPixels : 1;
        const row: BenchRow = {
          widths: c.widths,
          width: c.width,
          height: c.height,
          mode: algorithm,
          msPerFrame: median(reply.ms) * scale,
          fullEvalsPerPixel: reply.evaluations / reply.pixels,
          span: c.span,
          layers: c.layers ?? c.widths.length,
          frames: reply.ms.length,
          colourMs: reply.colourMs,
          ...(measuredPixels ? { measuredPixels } : {}),
        };
        rows.push(row);
        process.stderr.write(`${table([row]).split('\n')[2]}\n`);
      }
      if (!values['no-baseline'] && !c.layers) {
        const baseline = numpyBaseline(c, Math.min(frames, 3), maxSeconds);
        if (baseline) {
          rows.push(baseline);
          process.stderr.write(`${table([baseline]).split('\n')[2]}\n`);
        }
      }
    }
    if (!values.smoke && !values['no-graphs']) {
      const report = (row: BenchRow): void => {
        process.stderr.write(`${table([row]).split('\n')[2]}\n`);
      };
      rows.push(...(await measureGraphCases(shooter, kGraphCases, { frames, maxSeconds, gpu, only }, report)));
    }
    if (!values['no-interaction']) {
      // As a user meets the app: npm start's server, freshly started; each case in a fresh browser profile.
      await harness.close();
      harness = null;
      const server = await startAppServer();
      try {
        for (const c of values.smoke ? kSmokeInteraction : kInteractionCases) {
          const row = await measureInteraction(server.origin, c, kZooms, maxSeconds, gpu);
          interaction.push(row);
          process.stderr.write(`${interactionTable([row]).split('\n')[2]}\n`);
        }
      } finally {
        server.close();
      }
    }
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return error instanceof WebGpuUnavailableError ? 3 : 1;
  } finally {
    await harness?.close();
  }
  const text =
    `${table(rows)}\n\nThe app (npm start; time since navigation start on a first visit in a fresh profile, where it goes, a ` +
    `second visit; the estimates of the time left over the time that was left; from a wheel zoom):\n` +
    `${interactionTable(interaction)}\n` +
    (training.length > 0 ? `\nTraining (float64 on the CPU, Adam):\n${trainingTable(training)}\n` : '');
  process.stdout.write(values.json ? `${JSON.stringify({ frames: rows, interaction, training }, null, 1)}\n` : text);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
