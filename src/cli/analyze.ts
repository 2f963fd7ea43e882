/**
 * `npm run analyze`: the exact numbers of the partition from the command line, in float64 on the CPU (no browser):
 * regions along a segment, region polygons in a view, distances to the boundary, the theorem's prediction.
 */

import { writeFileSync } from 'node:fs';
import { histogram, sampleDistances } from '../analysis/distance.ts';
import { enumerateRegions, type Rect } from '../analysis/polygons.ts';
import { type SegmentWalk, walkSegment } from '../analysis/segment.ts';
import { theoremIntegral } from '../analysis/theorem.ts';
import { layersShown } from '../app/settings.ts';
import { distinctPatterns } from '../model/fieldsFile.ts';
import type { Net } from '../model/net.ts';
import { evaluatePoint } from '../model/oracle.ts';
import { pixelCentre } from '../model/view.ts';
import { type AnalyzeOptions, kAnalyzeUsage, parseAnalyzeArgs } from './analyzeArgs.ts';
import { parseCommandLine } from './flags.ts';
import { chooseNet, NetError } from './netChoice.ts';
import { panelsSvg } from './svgPlot.ts';

function seconds(start: number): number {
  return Math.round(performance.now() - start) / 1000;
}

/** The output along the segment against the distance from its start, as an SVG chart. */
function outputPlot(walk: SegmentWalk, line: readonly number[]): string {
  const ts = [0, ...walk.breakpoints, 1];
  const points = ts.map((t, i) => [t * walk.length, walk.outputs[i] ?? 0, 0] as const);
  return panelsSvg([
    {
      title: `output along (${line.slice(0, 2).join(', ')}) -> (${line.slice(2).join(', ')}): ${walk.regions} regions`,
      xLabel: 'distance along the segment',
      yLabel: 'network output',
      noMarkers: true,
      series: [{ name: 'exact (affine between breakpoints)', points }],
    },
  ]);
}

function lineReport(net: Net, line: readonly number[], layers: number, plot: string | null): Record<string, unknown> {
  const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = line;
  const start = performance.now();
  const walk = walkSegment(net, [x0, y0], [x1, y1], layers);
  if (plot !== null) writeFileSync(plot, outputPlot(walk, line));
  return {
    regions: walk.regions,
    breakpoints: walk.breakpoints,
    length: walk.length,
    neurons: walk.neurons,
    regionsPerUnitLengthPerNeuron: walk.regionsPerUnitLengthPerNeuron,
    outputs: walk.outputs,
    seconds: seconds(start),
  };
}

/** Distinct patterns among the view's pixel centres: what a picture of that size can show. */
function pixelPatterns(net: Net, cx: number, cy: number, span: number, side: number, layers: number): number {
  const size = { width: side, height: side };
  const hashLo = new Uint32Array(side * side);
  const hashHi = new Uint32Array(side * side);
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      const [x, y] = pixelCentre({ cx, cy, span }, size, i, j);
      [hashLo[j * side + i], hashHi[j * side + i]] = evaluatePoint(net, x, y, layers).hash;
    }
  }
  return distinctPatterns({ hashLo, hashHi });
}

function viewReport(net: Net, options: AnalyzeOptions, layers: number): Record<string, unknown> {
  const [cx = 0, cy = 0, span = 1] = options.view ?? [];
  const rect: Rect = { x0: cx - span / 2, y0: cy - span / 2, x1: cx + span / 2, y1: cy + span / 2 };
  const start = performance.now();
  const exact = enumerateRegions(net, rect, { layers });
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
    report.distance = {
      samples: options.samples,
      mean: sampled.mean,
      meanTimesNeurons: sampled.meanTimesNeurons,
      histogram: histogram(sampled.distances, 20),
      seconds: seconds(t),
    };
  }
  if (options.theoremGrid > 0) {
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

function summary(report: Record<string, Record<string, unknown>>): string {
  const lines: string[] = [];
  const line = report.line;
  if (line) {
    lines.push(
      `line: ${line.regions} regions (${(line.breakpoints as number[]).length} breakpoints), length ${line.length}, ` +
        `${line.neurons} neurons, regions / length / neurons = ${line.regionsPerUnitLengthPerNeuron} (${line.seconds} s)`,
    );
  }
  const view = report.view;
  if (view) {
    lines.push(
      `view: ${view.regions} regions, boundary length ${view.boundaryLength}, area ${view.area}, mean area ` +
        `${view.meanArea}, length / area / neurons = ${view.boundaryDensityPerNeuron} (${view.seconds} s)`,
    );
    const distance = view.distance as { mean: number; meanTimesNeurons: number; samples: number } | undefined;
    if (distance) {
      lines.push(
        `distance: mean ${distance.mean} over ${distance.samples} points, × neurons = ${distance.meanTimesNeurons}`,
      );
    }
    const theorem = view.theorem as { predictedBoundaryLength: number; grid: number; sigmaB: number } | undefined;
    if (theorem) {
      lines.push(
        `theorem: predicted boundary length ${theorem.predictedBoundaryLength} (sigma_b ${theorem.sigmaB}, ` +
          `${theorem.grid}^2 cells) vs measured ${view.boundaryLength}`,
      );
    }
    const pixels = view.pixelPatterns as { side: number; distinct: number } | undefined;
    if (pixels) lines.push(`pixels: ${pixels.distinct} distinct patterns among ${pixels.side}^2 pixel centres`);
  }
  return lines.join('\n');
}

function main(argv: readonly string[]): number {
  const options = parseCommandLine('analyze', kAnalyzeUsage, parseAnalyzeArgs, argv);
  if (typeof options === 'number') return options;
  let net: Net;
  try {
    net = chooseNet(options.netFile, options.settings);
  } catch (error) {
    if (!(error instanceof NetError)) throw error;
    process.stderr.write(`analyze: ${error.message}\n`);
    return 1;
  }
  const layers = layersShown(options.settings, net.hidden.length);
  const report: Record<string, Record<string, unknown>> = {};
  if (options.line) report.line = lineReport(net, options.line, layers, options.plot);
  if (options.view) report.view = viewReport(net, options, layers);
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : `${summary(report)}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
