/**
 * The files of `npm run train` (other tools read them): DIR/step-N.json (relu-mlp), final.safetensors (float64),
 * metrics.json (rows in step order, the last the final model), metrics.csv, run.json (the run's settings and probes,
 * so that `shot --run DIR` can show the same view), data.json (the 2-D sets' points) and SVG plots. Each checkpoint
 * is committed as a whole (outputs.ts): an interrupted or failed run keeps every checkpoint before it, consistent
 * with the metrics.
 */
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { serializeNet } from '../model/files/netFile.ts';
import { netToSafetensors } from '../model/files/netTensors.ts';
import { csvText } from '../model/format.ts';
import type { Net } from '../model/net.ts';
import type { Dataset, Split } from '../train/datasets.ts';
import type { Probes } from '../train/measures.ts';
import type { MetricsRow, RunSpec } from '../train/run.ts';
import { Outputs } from './outputs.ts';
import { type Panel, panelsSvg, type Series } from './svgPlot.ts';

/** The columns of metrics.csv, in order; metrics.json's rows have the same keys. */
export const kMetricsColumns: readonly (keyof MetricsRow)[] = [
  'step',
  'epoch',
  'loss',
  'trainAccuracy',
  'testLoss',
  'testAccuracy',
  'regionsPerLengthPerNeuron',
  'lineRegions',
  'viewRegions',
  'regionsOverHalfN2',
  'meanDistanceTimesNeurons',
  'distanceQuantilesTimesNeurons',
  'seconds',
];

/** What run.json holds: the settings of the run and what its measures and pictures need. */
export interface RunFile {
  readonly format: 'reluscope-train-run';
  readonly version: 1;
  /**
   * The run's id, random: every file of the run carries it (metrics rows and data.json as "run", checkpoints in
   * their "metadata", final.safetensors in its metadata), so that files of two runs are told apart.
   */
  readonly run: string;
  readonly spec: RunSpec;
  readonly inputDim: number;
  readonly classes: number;
  readonly trainCount: number;
  readonly testCount: number;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  /** The checkpoint steps planned (metrics.json lists those written). */
  readonly checkpoints: readonly number[];
  readonly probes: {
    /** The seed of defaultProbes (src/train/measures.ts): the same data and seed give the same probes. */
    readonly seed: number;
    /** The 2-D view counted exactly (and shown by `shot --run`), or null. */
    readonly view: { x0: number; y0: number; x1: number; y1: number } | null;
    /** The lines' end points for 2-D nets (MNIST's are pairs of test images: recreate them from the seed). */
    readonly lines: number[][][] | null;
    readonly lineCount: number;
    readonly points: number;
  };
}

export const checkpointName = (step: number): string => `step-${step}.json`;

export function runFile(
  run: string,
  spec: RunSpec,
  data: Dataset,
  probes: Probes,
  schedule: { stepsPerEpoch: number; total: number; steps: number[] },
): RunFile {
  return {
    format: 'reluscope-train-run',
    version: 1,
    run,
    spec,
    inputDim: data.inputDim,
    classes: data.classes,
    trainCount: data.train.count,
    testCount: data.test.count,
    stepsPerEpoch: schedule.stepsPerEpoch,
    totalSteps: schedule.total,
    checkpoints: schedule.steps,
    probes: {
      seed: spec.seed,
      view: probes.view ? { ...probes.view } : null,
      lines: data.inputDim === 2 ? probes.lines.map((line) => line.map((p) => Array.from(p))) : null,
      lineCount: probes.lines.length,
      points: probes.points.length / data.inputDim,
    },
  };
}

function splitJson(split: Split, dim: number): { x: number[][]; y: number[] } {
  return {
    x: Array.from({ length: split.count }, (_, i) => Array.from(split.x.subarray(i * dim, (i + 1) * dim))),
    y: Array.from(split.y),
  };
}

/** data.json: {"run": ID, "train": {"x": [[x, y], ...], "y": [class, ...]}, "test": {...}}. */
export function dataJson(data: Dataset, run: string): string {
  return JSON.stringify({
    run,
    train: splitJson(data.train, data.inputDim),
    test: splitJson(data.test, data.inputDim),
  });
}

/** A row of metrics.json and metrics.csv: the checkpoint's metrics and the run's id. */
export type MetricsFileRow = MetricsRow & { readonly run: string };

/** The columns of metrics.csv (metrics.json's keys): kMetricsColumns, then the run's id. */
export const kMetricsFileColumns: readonly (keyof MetricsFileRow)[] = [...kMetricsColumns, 'run'];

/** metrics.csv: a header of kMetricsFileColumns, a row per checkpoint; lineRegions as N;N;...; undefined cells empty. */
export function metricsCsv(rows: readonly MetricsFileRow[]): string {
  return csvText(
    kMetricsFileColumns,
    rows.map((row) => kMetricsFileColumns.map((c) => row[c])),
  );
}

/** The series of `y` against `x` over the rows, leaving out undefined values (NaN, null). */
function series(
  name: string,
  rows: readonly MetricsRow[],
  x: (r: MetricsRow) => number | null,
  y: (r: MetricsRow) => number | null,
): Series {
  const points = rows
    .map((r) => [x(r), y(r)] as const)
    .filter((p): p is readonly [number, number] => Number.isFinite(p[0]) && Number.isFinite(p[1]))
    .map(([a, b]) => [a, b, 0] as const);
  return { name, points };
}

/** Panels that have points (an SVG of none says so in its title). */
function svgOf(panels: Panel[]): string {
  const drawn = panels.filter((p) => p.series.some((s) => s.points.length > 0));
  if (drawn.length > 0) return panelsSvg(drawn);
  return panelsSvg([
    { title: 'no numbers yet', xLabel: 'step', yLabel: '', series: [{ name: '', points: [[0, 0, 0]] }] },
  ]);
}

/** loss.svg, regions.svg, distance.svg. */
export function plots(rows: readonly MetricsRow[]): Record<string, string> {
  const step = (r: MetricsRow) => r.step;
  return {
    'loss.svg': svgOf([
      {
        title: 'loss (cross-entropy)',
        xLabel: 'step',
        yLabel: 'mean loss',
        fromZero: true,
        series: [series('train', rows, step, (r) => r.loss), series('test', rows, step, (r) => r.testLoss)],
      },
      {
        title: 'accuracy',
        xLabel: 'step',
        yLabel: 'share correct',
        series: [
          series('train', rows, step, (r) => r.trainAccuracy),
          series('test', rows, step, (r) => r.testAccuracy),
        ],
      },
    ]),
    'regions.svg': svgOf([
      {
        title: 'regions / length / #neurons along the lines',
        xLabel: 'step',
        yLabel: 'per unit length per neuron',
        fromZero: true,
        series: [series('mean over the lines', rows, step, (r) => r.regionsPerLengthPerNeuron)],
      },
      {
        title: 'regions in the view / (#neurons²/2)',
        xLabel: 'step',
        yLabel: 'regions / (N²/2)',
        fromZero: true,
        series: [series('exact count', rows, step, (r) => r.regionsOverHalfN2)],
      },
    ]),
    'distance.svg': svgOf([
      {
        title: 'distance to the boundary × #neurons: mean, percentiles',
        xLabel: 'step',
        yLabel: 'E[dist] × #neurons',
        fromZero: true,
        series: [
          series('mean at test points', rows, step, (r) => r.meanDistanceTimesNeurons),
          series('10th percentile', rows, step, (r) => r.distanceQuantilesTimesNeurons[0] ?? null),
          series('median', rows, step, (r) => r.distanceQuantilesTimesNeurons[2] ?? null),
          series('90th percentile', rows, step, (r) => r.distanceQuantilesTimesNeurons[4] ?? null),
        ],
      },
      {
        title: 'distance against test accuracy',
        xLabel: 'test accuracy',
        yLabel: 'E[dist] × #neurons',
        fromZero: true,
        series: [
          series(
            'checkpoints in step order',
            rows,
            (r) => r.testAccuracy,
            (r) => r.meanDistanceTimesNeurons,
          ),
        ],
      },
    ]),
  };
}

/** Checkpoints and files of an earlier run in the folder: they would be mistaken for this run's. */
function staleFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /^step-\d+\.json$/.test(name) || name === 'final.safetensors' || name === 'data.json')
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/** Writes a run's files checkpoint by checkpoint. */
export class RunWriter {
  /** The rows of the checkpoints written (committed): what metrics.json lists. */
  readonly rows: MetricsFileRow[] = [];
  private started = false;

  constructor(
    private readonly dir: string,
    private readonly run: RunFile,
    private readonly data: Dataset,
  ) {}

  /**
   * Commits the checkpoint's net, the metrics so far and the plots (and, first, run.json and data.json), all or
   * nothing: the row counts as written only once they all are.
   */
  checkpoint(net: Net, metrics: MetricsRow): string[] {
    const row: MetricsFileRow = { ...metrics, run: this.run.run };
    const rows = [...this.rows, row];
    const outputs = new Outputs();
    const text = (path: string, content: string) =>
      outputs.stage(join(this.dir, path), new TextEncoder().encode(content));
    try {
      if (!this.started) {
        text('run.json', `${JSON.stringify(this.run, null, 1)}\n`);
        if (this.data.inputDim === 2) text('data.json', `${dataJson(this.data, this.run.run)}\n`);
      }
      text(checkpointName(row.step), serializeNet(net, { run: this.run.run, step: row.step }));
      if (row.step === this.run.totalSteps) {
        outputs.stage(join(this.dir, 'final.safetensors'), netToSafetensors(net, 'F64', { run: this.run.run }));
      }
      text('metrics.json', `${JSON.stringify(rows, null, 1)}\n`);
      text('metrics.csv', metricsCsv(rows));
      for (const [name, svg] of Object.entries(plots(rows))) text(name, svg);
      if (!this.started) for (const path of staleFiles(this.dir)) unlinkQuietly(path);
      this.started = true;
      const written = outputs.commit();
      this.rows.push(row);
      return written;
    } finally {
      outputs.abort();
    }
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}
