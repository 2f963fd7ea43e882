/**
 * `npm run analyze`: the exact numbers of the partition from the command line, in float64 on the CPU (no browser):
 * regions along a segment, region polygons in a view, distances to the boundary, the oracle at a point, the
 * theorem's prediction. Every network goes: an MLP (relu-mlp, PyTorch, safetensors, an ONNX MLP) and a graph (ONNX
 * convolutions, pools, residual adds ...), whose "layers" are its piecewise-linear stages; the theorem is for MLPs.
 */
import { histogram, sampleDistances } from '../analysis/distance.ts';
import { enumerateNetworkRegions } from '../analysis/graphRegions.ts';
import type { Rect } from '../analysis/polygons.ts';
import { type SegmentWalk, walkSegment } from '../analysis/segment.ts';
import { theoremIntegral } from '../analysis/theorem.ts';
import { balanceNet } from '../model/balance.ts';
import { distinctPatterns } from '../model/fieldsFile.ts';
import { counted } from '../model/format.ts';
import { predict } from '../model/forward.ts';
import {
  depthOf,
  isGraph,
  type Network,
  neuronTotal,
  outputsOf,
  sliceGraph,
  stageWidths,
} from '../model/graph/graph.ts';
import { predictGraph } from '../model/graph/graphForward.ts';
import { formatImageRef, type ImageRef, MnistSampleError, mnistImage } from '../model/mnist.ts';
import { resolveNet } from '../model/netSource.ts';
import { pointOracle } from '../model/oracle.ts';
import {
  type Plane,
  PlaneError,
  planeAlong,
  planePoint,
  type SlicedNetwork,
  seeNetworkThrough,
  slicedNet,
} from '../model/plane.ts';
import { pixelCentre } from '../model/view.ts';
import { layersShown } from '../settings/settings.ts';
import { type AnalyzeOptions, analyzeOptions, kAnalyzeCommand } from './analyzeArgs.ts';
import { runCommand, usage } from './commandLine.ts';
import { handleSignals } from './lifecycle.ts';
import { nodeDigits } from './mnistFiles.ts';
import { NetError, netSource } from './netChoice.ts';
import { OutputError, Outputs } from './outputs.ts';
import { panelsSvg } from './svgPlot.ts';

function seconds(start: number): number {
  return Math.round(performance.now() - start) / 1000;
}

/** The output along the segment against the distance from its start, as an SVG chart. */
function outputPlot(walk: SegmentWalk, names: readonly string[]): string {
  const ts = [0, ...walk.breakpoints, 1];
  const points = ts.map((t, i) => [t * walk.length, walk.outputs[i] ?? 0, 0] as const);
  const [from, to] =
    names.length === 2 ? names : [`(${names.slice(0, 2).join(', ')})`, `(${names.slice(2).join(', ')})`];
  return panelsSvg([
    {
      title: `output along ${from} -> ${to}: ${counted(walk.regions, 'region')}`,
      xLabel: 'distance along the segment',
      yLabel: 'network output',
      noMarkers: true,
      series: [{ name: 'exact (affine between breakpoints)', points }],
    },
  ]);
}

/** Every output of the network as read (d inputs) at an input point, in float64, and the predicted class. */
function evaluate(model: Network, point: ArrayLike<number>): { outputs: number[]; predicted: number } {
  return isGraph(model) ? predictGraph(model, point) : predict(model, point);
}

/** The network seen through `plane`: an MLP's first layer folded with it, a graph given a first dense op from it. */
function sliceThrough(model: Network, plane: Plane): Network {
  return isGraph(model) ? sliceGraph(model, plane) : slicedNet(model, plane);
}

/** The segment (in the plane's u, v) walked on the sliced network; its ends evaluated on the network as read. */
function lineReport(
  sliced: SlicedNetwork,
  line: readonly number[],
  layers: number,
  plot: Plot | null,
  names: readonly string[] = line.map(String),
): Record<string, unknown> {
  const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = line;
  const start = performance.now();
  const walk = walkSegment(sliced.net, [x0, y0], [x1, y1], layers);
  if (plot !== null) plot.svg = outputPlot(walk, names);
  const at = (u: number, v: number) => (sliced.plane ? planePoint(sliced.plane, u, v) : [u, v]);
  return {
    regions: walk.regions,
    breakpoints: walk.breakpoints,
    length: walk.length,
    neurons: walk.neurons,
    regionsPerUnitLengthPerNeuron: walk.regionsPerUnitLengthPerNeuron,
    outputs: walk.outputs,
    start: evaluate(sliced.model, at(x0, y0)),
    end: evaluate(sliced.model, at(x1, y1)),
    seconds: seconds(start),
  };
}

/** --line mnist:D/I,D/I: the segment between two images, walked in a plane that holds it. */
function imageLineReport(model: Network, images: readonly ImageRef[], layers: number, plot: Plot | null) {
  const [p1, p2] = images.map((ref) => mnistImage(nodeDigits, ref));
  const names = images.map((ref) => `mnist:${formatImageRef(ref)}`) as [string, string];
  if (!p1 || !p2) throw new PlaneError('two images are needed');
  if (model.inputDim !== p1.length) {
    throw new PlaneError(`MNIST images have ${p1.length} pixels but the net has ${model.inputDim} inputs`);
  }
  const plane = planeAlong(p1, p2, names);
  const sliced: SlicedNetwork = { model, plane, spec: '', net: sliceThrough(model, plane) };
  const length = plane.marks[1]?.u ?? 0;
  return { from: names[0], to: names[1], ...lineReport(sliced, [0, 0, length, 0], layers, plot, names) };
}

/** The --plot file and, once the line is walked, its SVG text. */
interface Plot {
  readonly path: string;
  svg: string | null;
}

/** Distinct patterns among the view's pixel centres: what a picture of that size can show. */
function pixelPatterns(raw: Network, cx: number, cy: number, span: number, side: number, layers: number): number {
  // The balanced net has the same patterns, with numbers float64 carries through any depth (a graph goes as it is).
  const oracle = pointOracle(isGraph(raw) ? raw : balanceNet(raw).net, layers);
  const size = { width: side, height: side };
  const hashLo = new Uint32Array(side * side);
  const hashHi = new Uint32Array(side * side);
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      const [x, y] = pixelCentre({ cx, cy, span }, size, i, j);
      [hashLo[j * side + i], hashHi[j * side + i]] = oracle(x, y).hash;
    }
  }
  return distinctPatterns({ hashLo, hashHi });
}

/** Infinity (no boundary, no decision line) as null: JSON has no Infinity, and it is no overflow. */
function finiteOrNull(x: number): number | null {
  return x === Number.POSITIVE_INFINITY ? null : x;
}

/**
 * The float64 oracle at (u, v) of the sliced network (pointOracle): the pattern's hash, the distance to the nearest
 * boundary of the first `layers` layers (stages) and the layer it is in, every output and the decision. An MLP's
 * pattern and distances come from its balanced twin (the same, exactly, for weights anywhere in float64's range).
 */
function pointReport(net: Network, point: readonly number[], layers: number): Record<string, unknown> {
  const [u = 0, v = 0] = point;
  const start = performance.now();
  const fields = pointOracle(net, layers)(u, v);
  const partition = isGraph(net) ? fields : pointOracle(balanceNet(net).net, layers)(u, v);
  return {
    u,
    v,
    hash: partition.hash,
    distance: finiteOrNull(partition.distance),
    nearestLayer: partition.nearestLayer,
    layerDistances: partition.layerDistances.map(finiteOrNull),
    output: fields.output,
    outputGradient: fields.outputGradient,
    outputs: fields.outputs,
    predicted: fields.decision.predicted,
    decisionDistance: finiteOrNull(fields.decision.distance),
    margin: fields.decision.margin,
    seconds: seconds(start),
  };
}

/** What the network is, for the report: an MLP's hidden widths, a graph's operations and stages. */
function networkReport(sliced: SlicedNetwork): Record<string, unknown> {
  const model = sliced.model;
  const common = { inputs: model.inputDim, outputs: outputsOf(model), plane: sliced.spec };
  if (!isGraph(model)) {
    const widths = stageWidths(model);
    return { kind: 'mlp', widths, neurons: widths.reduce((s, w) => s + w, 0), ...common };
  }
  return {
    kind: 'graph',
    operations: model.ops.length,
    stages: stageWidths(model),
    units: neuronTotal(model),
    ...common,
  };
}

function viewReport(net: Network, options: AnalyzeOptions, layers: number): Record<string, unknown> {
  const [cx = 0, cy = 0, span = 1] = options.view ?? [];
  const rect: Rect = { x0: cx - span / 2, y0: cy - span / 2, x1: cx + span / 2, y1: cy + span / 2 };
  const start = performance.now();
  const exact = enumerateNetworkRegions(net, rect, { layers });
  const report: Record<string, unknown> = {
    regions: exact.regions,
    boundaryLength: exact.boundaryLength,
    area: exact.area,
    meanArea: exact.meanArea,
    neurons: exact.neurons,
    boundaryDensityPerNeuron: exact.boundaryDensityPerNeuron,
    seconds: seconds(start),
  };
  if (options.samples > 0) {
    const t = performance.now();
    const sampled = sampleDistances(net, rect, options.samples, options.settings.seed, layers);
    const withBoundary = sampled.distances.filter(Number.isFinite).length;
    report.distance = {
      samples: options.samples,
      withBoundary,
      // No sample with a boundary (no neuron has a line): no mean, rather than NaN.
      ...(withBoundary > 0 ? { mean: sampled.mean, meanTimesNeurons: sampled.meanTimesNeurons } : {}),
      histogram: histogram(sampled.distances, 20),
      seconds: seconds(t),
    };
  }
  // The theorem is about MLPs (main refuses --theorem-grid for a graph; by default a graph goes without it).
  if (options.theoremGrid > 0 && !isGraph(net)) {
    const t = performance.now();
    const predicted = theoremIntegral(net, rect, options.settings.sigmaB, options.theoremGrid, layers);
    report.theorem = {
      sigmaB: options.settings.sigmaB,
      grid: options.theoremGrid,
      predictedBoundaryLength: predicted,
      measuredBoundaryLength: exact.boundaryLength,
      seconds: seconds(t),
    };
  }
  if (options.pixels > 0) {
    report.pixelPatterns = { side: options.pixels, distinct: pixelPatterns(net, cx, cy, span, options.pixels, layers) };
  }
  return report;
}

/** A pattern hash (lo, hi) as 16 hex digits, high word first (as the app's readout shows it). */
function hashText(hash: readonly number[]): string {
  return [...hash]
    .reverse()
    .map((word) => (word >>> 0).toString(16).padStart(8, '0'))
    .join('');
}

function networkLine(network: Record<string, unknown>): string {
  const shape = `${counted(network.inputs as number, 'input')}, ${counted(network.outputs as number, 'output')}`;
  const plane = network.plane === '' ? '' : `, plane ${network.plane}`;
  if (network.kind === 'graph') {
    return (
      `network: graph of ${counted(network.operations as number, 'operation')}, ` +
      `stages ${(network.stages as number[]).join(',') || 'none'}, ${counted(network.units as number, 'unit')}, ` +
      `${shape}${plane}`
    );
  }
  return (
    `network: MLP, hidden widths ${(network.widths as number[]).join(',') || 'none'}, ` +
    `${counted(network.neurons as number, 'neuron')}, ${shape}${plane}`
  );
}

/** The report as text; `theoremSkipped`: a graph's view went without the theorem's prediction (MLPs only). */
function summary(report: Record<string, Record<string, unknown>>, theoremSkipped: boolean): string {
  const lines: string[] = [];
  const graph = report.network?.kind === 'graph';
  // A graph's piecewise-linear units (relu / leaky relu elements, max-pool windows) and layers (stages).
  const [neuron, neurons, layer] = graph ? ['unit', 'units', 'stage'] : ['neuron', 'neurons', 'layer'];
  const line = report.line;
  if (line) {
    lines.push(
      `line: ${counted(line.regions as number, 'region')} ` +
        `(${counted((line.breakpoints as number[]).length, 'breakpoint')}), length ${line.length}, ` +
        `${counted(line.neurons as number, neuron)}, ` +
        `regions / length / ${neurons} = ${line.regionsPerUnitLengthPerNeuron} (${line.seconds} s)`,
    );
  }
  const view = report.view;
  if (view) {
    lines.push(
      `view: ${counted(view.regions as number, 'region')}, boundary length ${view.boundaryLength}, ` +
        `area ${view.area}, mean area ${view.meanArea}, ` +
        `length / area / ${neurons} = ${view.boundaryDensityPerNeuron} (${view.seconds} s)`,
    );
    const distance = view.distance as { mean?: number; meanTimesNeurons?: number; samples: number } | undefined;
    if (distance?.mean !== undefined) {
      lines.push(
        `distance: mean ${distance.mean} over ${counted(distance.samples, 'point')}, ` +
          `× ${neurons} = ${distance.meanTimesNeurons}`,
      );
    } else if (distance) {
      lines.push(`distance: no boundary at any of ${counted(distance.samples, 'point')} (no ${neuron} has a line)`);
    }
    const theorem = view.theorem as { predictedBoundaryLength: number; grid: number; sigmaB: number } | undefined;
    if (theorem) {
      lines.push(
        `theorem: predicted boundary length ${theorem.predictedBoundaryLength} (sigma_b ${theorem.sigmaB}, ` +
          `${theorem.grid}^2 cells) vs measured ${view.boundaryLength}`,
      );
    } else if (theoremSkipped) {
      lines.push("theorem: the theorem's prediction applies to MLPs only (not computed for a graph)");
    }
    const pixels = view.pixelPatterns as { side: number; distinct: number } | undefined;
    if (pixels) {
      lines.push(`pixels: ${counted(pixels.distinct, 'distinct pattern')} among ${pixels.side}^2 pixel centres`);
    }
  }
  const point = report.point;
  if (point) {
    const distance =
      point.distance === null
        ? 'no boundary'
        : `distance to the boundary ${point.distance} (${layer} ${point.nearestLayer})`;
    const decision =
      point.decisionDistance === null ? 'no decision line' : `decision boundary at ${point.decisionDistance}`;
    lines.push(
      `point (${point.u}, ${point.v}): pattern hash ${hashText(point.hash as number[])}, ${distance}, ` +
        `output ${point.output}, predicted class ${point.predicted} (${decision}, margin ${point.margin}) ` +
        `(${point.seconds} s)`,
    );
  }
  if (report.network) lines.push(networkLine(report.network));
  return lines.join('\n');
}

/** Paths of the numbers in `value` that are not finite (a float64 overflow): they are never printed as numbers. */
function nonFinite(value: unknown, path: string): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [`${path} (${value})`];
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFinite(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => nonFinite(v, path ? `${path}.${k}` : k));
  }
  return [];
}

/** A bad argument found once the net is known: the message and the usage, exit code 2. */
function badArgument(message: string): number {
  process.stderr.write(`analyze: ${message}\n${usage(kAnalyzeCommand)}\n`);
  return 2;
}

export async function main(argv: readonly string[]): Promise<number> {
  handleSignals('analyze');
  const options = runCommand(kAnalyzeCommand, argv, analyzeOptions);
  if (typeof options === 'number') return options;
  let sliced: SlicedNetwork;
  try {
    const model = resolveNet(await netSource(options.netFile, options.settings));
    sliced = seeNetworkThrough(model, options.settings.plane, nodeDigits);
  } catch (error) {
    if (error instanceof MnistSampleError) return badArgument(error.message);
    if (!(error instanceof NetError || error instanceof PlaneError)) throw error;
    process.stderr.write(`analyze: ${error.message}\n`);
    return 1;
  }
  const net = sliced.net;
  const graph = isGraph(net);
  const depth = depthOf(net);
  if (options.settings.layers > depth) {
    const has = graph
      ? `the network has ${counted(depth, 'stage')} (relu, leaky relu and max-pool layers)`
      : `the net has ${counted(depth, 'hidden layer')}`;
    return badArgument(`--layers ${options.settings.layers}: ${has}`);
  }
  const model = sliced.model;
  if (isGraph(model) && options.theoremGridGiven && options.theoremGrid > 0) {
    return badArgument(
      `--theorem-grid ${options.theoremGrid}: the theorem's prediction applies to MLPs only ` +
        `(this network is a graph of ${counted(model.ops.length, 'operation')}); give --theorem-grid 0`,
    );
  }
  const layers = layersShown(options.settings, depth);
  const plot: Plot | null = options.plot === null ? null : { path: options.plot, svg: null };
  const report: Record<string, Record<string, unknown>> = {};
  if (options.line) report.line = lineReport(sliced, options.line, layers, plot);
  if (options.lineImages) {
    try {
      report.line = imageLineReport(sliced.model, options.lineImages, layers, plot);
    } catch (error) {
      if (error instanceof MnistSampleError) return badArgument(error.message);
      process.stderr.write(`analyze: ${(error as Error).message}\n`);
      return 1;
    }
  }
  if (options.view) report.view = viewReport(net, options, layers);
  if (options.point) report.point = pointReport(net, options.point, layers);
  report.network = networkReport(sliced);
  const overflow = nonFinite(report, '');
  if (overflow.length > 0) {
    process.stderr.write(
      `analyze: beyond float64's range, so not printed: ${overflow.slice(0, 5).join(', ')}` +
        `${overflow.length > 5 ? ` and ${overflow.length - 5} more` : ''} (the net's outputs overflow there)\n`,
    );
    return 1;
  }
  process.stdout.write(
    options.json ? `${JSON.stringify(report)}\n` : `${summary(report, isGraph(net) && options.theoremGrid > 0)}\n`,
  );
  if (!plot?.svg) return 0;
  const outputs = new Outputs();
  try {
    outputs.stage(plot.path, new TextEncoder().encode(plot.svg));
    outputs.commit();
  } catch (error) {
    outputs.abort();
    if (!(error instanceof OutputError)) throw error;
    process.stderr.write(`analyze: ${error.message} (the results above are complete)\n`);
    return 1;
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
