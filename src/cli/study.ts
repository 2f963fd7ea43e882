/**
 * `npm run study`: the papers' plots at initialization. For architectures with the same number of neurons and
 * different depths, and for growing sizes, over several seeds: crossings of random lines per unit length per neuron,
 * mean distance to the boundary x neurons, exact 2D regions in a fixed window / (#neurons^2 / 2). Also Telgarsky's
 * sawtooth: regions along [0, 1] as a random perturbation grows. Writes study.csv, study.json and SVG plots.
 */
import { join } from 'node:path';
import { type Measures, measureNet } from '../analysis/measures.ts';
import { sawtoothCounts } from '../analysis/sawtooth.ts';
import { studyProbes } from '../analysis/study.ts';
import { counted, csvText } from '../model/format.ts';
import { randomNet } from '../model/random.ts';
import { runCommand, usage } from './commandLine.ts';
import { handleSignals } from './lifecycle.ts';
import { checkOutputPaths, OutputError, Outputs } from './outputs.ts';
import { kStudyCommand, type StudyArgs, studyArgs } from './studyArgs.ts';
import { type Panel, panelsSvg, type Series } from './svgPlot.ts';

interface Row extends Omit<Measures, 'distances' | 'lineRegions'> {
  /** (pi / 2) x crossings per unit length / neurons: Crofton's estimate of the boundary density from the lines. */
  readonly croftonDensityPerNeuron: number;
  readonly family: 'depth' | 'size';
  readonly widths: readonly number[];
  readonly seed: number;
  readonly seconds: number;
}

const kColumns = [
  'crossingsPerLengthPerNeuron',
  'croftonDensityPerNeuron',
  'boundaryDensityPerNeuron',
  'meanDistanceTimesNeurons',
  'regionsOverHalfN2',
] as const;
type Measure = (typeof kColumns)[number];

function architectures(args: StudyArgs): { family: Row['family']; widths: number[] }[] {
  const byDepth = args.depths.map((d) => ({
    family: 'depth' as const,
    widths: Array.from({ length: d }, () => Math.round(args.neurons / d)),
  }));
  const bySize = args.sizes.map((w) => ({
    family: 'size' as const,
    widths: Array.from({ length: args.sizeDepth }, () => w),
  }));
  return [...byDepth, ...bySize];
}

function meanAndSd(values: readonly number[]): [number, number] {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return [mean, Math.sqrt(variance)];
}

function series(rows: readonly Row[], family: Row['family'], measure: Measure, x: (r: Row) => number): Series {
  const groups = new Map<number, number[]>();
  for (const row of rows.filter((r) => r.family === family)) {
    groups.set(x(row), [...(groups.get(x(row)) ?? []), row[measure] ?? Number.NaN]);
  }
  const points = [...groups].map(([key, values]) => [key, ...meanAndSd(values)] as const);
  return { name: measure, points };
}

function plots(rows: readonly Row[], args: StudyArgs): Record<string, string> {
  const panels = (family: Row['family'], x: (r: Row) => number, xLabel: string): Panel[] => [
    {
      title: 'boundary density / #neurons',
      xLabel,
      yLabel: 'per unit length (area) per neuron',
      fromZero: true,
      series: [
        { ...series(rows, family, 'croftonDensityPerNeuron', x), name: 'lines (Crofton: π/2 × crossings)' },
        { ...series(rows, family, 'boundaryDensityPerNeuron', x), name: 'exact polygons: length / area' },
      ],
    },
    {
      title: 'mean distance × #neurons',
      xLabel,
      yLabel: 'E[dist] × #neurons',
      fromZero: true,
      series: [
        {
          ...series(rows, family, 'meanDistanceTimesNeurons', x),
          name: `mean ± sd over ${counted(args.seeds, 'seed')}`,
        },
      ],
    },
    {
      title: `regions in [-${args.window / 2}, ${args.window / 2}]² / (#neurons²/2)`,
      xLabel,
      yLabel: 'ratio',
      fromZero: true,
      series: [
        { ...series(rows, family, 'regionsOverHalfN2', x), name: `mean ± sd over ${counted(args.seeds, 'seed')}` },
      ],
    },
  ];
  const out: Record<string, string> = {};
  if (args.depths.length > 0) {
    out['study-depth.svg'] = panelsSvg(panels('depth', (r) => r.widths.length, `depth (${args.neurons} neurons)`));
  }
  if (args.sizes.length > 0) {
    out['study-size.svg'] = panelsSvg(panels('size', (r) => r.neurons, `#neurons (depth ${args.sizeDepth})`));
  }
  return out;
}

function csv(rows: readonly Row[]): string {
  const header = ['family', 'widths', 'neurons', 'seed', 'viewRegions', ...kColumns, 'seconds'];
  return csvText(
    header,
    rows.map((r) => [
      r.family,
      r.widths.join('x'),
      r.neurons,
      r.seed,
      r.viewRegions,
      ...kColumns.map((c) => r[c]),
      r.seconds,
    ]),
  );
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function sawtoothPart(args: StudyArgs, outputs: Outputs): unknown {
  if (args.sawtooth === 0) return null;
  const counts = sawtoothCounts(args.sawtooth, args.perturb, args.seeds);
  const positive = counts.filter((c) => c.epsilon > 0);
  const svg = panelsSvg([
    {
      title: `sawtooth of depth ${args.sawtooth}: regions along [0, 1]`,
      xLabel: 'perturbation ε (log)',
      yLabel: 'regions',
      logX: true,
      fromZero: true,
      series: [
        {
          name: `mean over ${counted(args.seeds, 'seed')} (exact: ${2 ** args.sawtooth})`,
          points: positive.map((c) => [c.epsilon, ...meanAndSd(c.counts)] as const),
        },
      ],
    },
  ]);
  if (positive.length > 0) outputs.stage(join(args.out, 'study-sawtooth.svg'), text(svg));
  for (const c of counts) {
    process.stdout.write(
      `sawtooth k=${args.sawtooth} ε=${c.epsilon}: ${counted(c.meanRegions, 'region')} (${c.counts.join(' ')})\n`,
    );
  }
  return counts;
}

function main(argv: readonly string[]): number {
  handleSignals('study');
  const args = runCommand(kStudyCommand, argv, studyArgs);
  if (typeof args === 'number') return args;
  const names = ['study.csv', 'study.json', 'study-depth.svg', 'study-size.svg', 'study-sawtooth.svg'];
  const problem = checkOutputPaths(names.map((name) => join(args.out, name)));
  if (problem) {
    process.stderr.write(`study: --out: ${problem}\n${usage(kStudyCommand)}\n`);
    return 2;
  }
  const outputs = new Outputs();
  const rows: Row[] = [];
  process.stdout.write(`${['widths', 'seed', 'viewRegions', ...kColumns, 'seconds'].join('\t')}\n`);
  for (const { family, widths } of architectures(args)) {
    for (let seed = 1; seed <= args.seeds; seed++) {
      const start = performance.now();
      const net = randomNet({ widths, sigmaB: args.sigmaB, seed });
      const probes = studyProbes({ window: args.window, lines: args.lines, samples: args.samples, seed });
      const { distances: _d, lineRegions: _l, ...measures } = measureNet(net, probes);
      const croftonDensityPerNeuron = (Math.PI / 2) * measures.crossingsPerLengthPerNeuron;
      const seconds = (performance.now() - start) / 1000;
      const row: Row = { family, widths, seed, ...measures, croftonDensityPerNeuron, seconds };
      rows.push(row);
      const cells = [
        widths.join('x'),
        seed,
        row.viewRegions,
        ...kColumns.map((c) => (row[c] ?? Number.NaN).toPrecision(4)),
      ];
      process.stdout.write(`${[...cells, row.seconds.toFixed(1)].join('\t')}\n`);
    }
  }
  outputs.stage(join(args.out, 'study.csv'), text(csv(rows)));
  const sawtooth = sawtoothPart(args, outputs);
  outputs.stage(join(args.out, 'study.json'), text(`${JSON.stringify({ settings: args, rows, sawtooth }, null, 1)}\n`));
  for (const [name, svg] of Object.entries(plots(rows, args))) outputs.stage(join(args.out, name), text(svg));
  try {
    outputs.commit();
  } catch (error) {
    if (!(error instanceof OutputError)) throw error;
    process.stderr.write(`study: ${error.message}\n`);
    return 1;
  }
  process.stdout.write(`wrote ${args.out}/study.csv, study.json and the SVG plots\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
