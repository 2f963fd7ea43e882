/** Flags of `npm run analyze`. The net flags come from the settings table, as in `npm run shot`. */

import { type ImageRef, parseImageRef } from '../model/mnist.ts';
import { quoted } from '../model/quote.ts';
import { cloneSettings, kDefaultSettings, kLimits, type Settings } from '../settings/settings.ts';
import {
  type Command,
  integerFlag,
  listFlag,
  settingFlags,
  settingsFromFlags,
  textFlag,
  UsageError,
  type Values,
} from './commandLine.ts';
import { checkOutputPath } from './outputs.ts';
import { checkNetFlags } from './shotArgs.ts';

export interface AnalyzeOptions {
  settings: Settings;
  netFile: string | null;
  /** x0, y0, x1, y1 (in the plane's u, v) */
  line: [number, number, number, number] | null;
  /** --line mnist:D/I,D/I: the segment between two MNIST images in input space. */
  lineImages: [ImageRef, ImageRef] | null;
  /** cx, cy, span: a square view */
  view: [number, number, number] | null;
  /** u, v: the float64 oracle at one point of the plane. */
  point: [number, number] | null;
  /** Points for the distance statistics (0: none). */
  samples: number;
  /** Cells per side of the theorem's integral (0: none). */
  theoremGrid: number;
  /** --theorem-grid was given (a graph refuses it; by default a graph skips the theorem, which is for MLPs). */
  theoremGridGiven: boolean;
  /** Pixels per side of the distinct-pattern count (0: none). */
  pixels: number;
  /** SVG file for the plot of the output along --line. */
  plot: string | null;
  json: boolean;
}

const kNet = 'net (one of --net, --preset, --widths/--seed)';
const kMeasures = 'measures (at least one of --line, --view, --point)';

export const kAnalyzeCommand: Command = {
  name: 'analyze',
  summary: 'The exact numbers of the partition in float64 on the CPU (no browser).',
  flags: [
    {
      name: 'net',
      value: 'FILE',
      help:
        'a net file: relu-mlp JSON, PyTorch state_dict (.pt/.pth), .safetensors or ONNX (.onnx: an MLP, or a graph ' +
        'of convolutions, pools, residual adds ...; --layers then counts its relu / leaky relu / max-pool stages)',
      group: kNet,
    },
    ...settingFlags(['net', 'widths', 'sigmaB', 'seed', 'layers', 'plane'], kNet),
    {
      name: 'line',
      value: 'X0,Y0,X1,Y1|mnist:D/I,D/I',
      help:
        'exact regions along the segment (float64 walk): count, breakpoints t in (0,1), output, all outputs and ' +
        'the predicted class at both ends; mnist:D/I,D/I is the segment between two MNIST images (input space)',
      group: kMeasures,
    },
    {
      name: 'view',
      value: 'CX,CY,SPAN',
      help: 'exact region polygons in the square view: count, boundary length, area, mean area',
      group: kMeasures,
    },
    {
      name: 'point',
      value: 'U,V',
      help:
        'the float64 oracle at one point of the plane: pattern hash, distance to the nearest boundary and its ' +
        'layer (stage), every output, the predicted class and its distance to the decision boundary',
      group: kMeasures,
    },
    {
      name: 'samples',
      value: 'N',
      help: 'distance to the boundary at N uniform points of the view (0: off)',
      group: kMeasures,
      default: '1000',
    },
    {
      name: 'theorem-grid',
      value: 'G',
      help:
        "the theorem's predicted boundary length, midpoint rule on G x G cells, bias density N(0, sigma_b^2) " +
        '(0: off; MLPs only: a graph skips it)',
      group: kMeasures,
      default: '64',
    },
    {
      name: 'pixels',
      value: 'N',
      help: 'distinct patterns among N x N pixel centres of the view (0: off)',
      group: kMeasures,
      default: '0',
    },
    {
      name: 'plot',
      value: 'FILE.svg',
      help: 'the network output along --line (exact: affine between breakpoints)',
      group: 'output',
    },
    {
      name: 'json',
      help: 'one JSON object: {"line": {...}, "view": {...}, "point": {...}, "network": {...}}',
      group: 'output',
    },
  ],
  epilogue: 'Exit codes: 0 done, 1 bad net file or a result beyond float64 (named), 2 bad arguments.',
};

/** `count` comma-separated coordinates within the app's bounds (±kLimits.maxCoordinate). */
function coordinates(values: Values, name: string, count: number): number[] | null {
  if (values[name] === undefined) return null;
  const bound = kLimits.maxCoordinate;
  return listFlag(values, name, { integer: false, min: -bound, max: bound, count }, []);
}

/** --line mnist:D/I,D/I -> the two images; null for a line of coordinates. */
function imagesOf(values: Values): [ImageRef, ImageRef] | null {
  const text = values.line;
  if (typeof text !== 'string' || !text.startsWith('mnist:')) return null;
  const refs = text.slice(6).split(',').map(parseImageRef);
  const bad = refs.find((r) => typeof r === 'string');
  if (refs.length !== 2 || bad !== undefined) {
    throw new UsageError(`--line ${quoted(text, 60)}: expected mnist:D/I,D/I (two images)${bad ? `: ${bad}` : ''}`);
  }
  return refs as [ImageRef, ImageRef];
}

export function analyzeOptions(values: Values): AnalyzeOptions {
  checkNetFlags(values);
  const lineImages = imagesOf(values);
  const line = lineImages ? null : (coordinates(values, 'line', 4) as AnalyzeOptions['line']);
  if (line && line[0] === line[2] && line[1] === line[3]) {
    throw new UsageError(`--line ${quoted(String(values.line), 60)}: the segment has no length`);
  }
  const view = coordinates(values, 'view', 3) as AnalyzeOptions['view'];
  if (view && !(view[2] >= kLimits.minSpan && view[2] <= kLimits.maxSpan)) {
    throw new UsageError(
      `--view ${quoted(String(values.view), 60)}: the span must be in [${kLimits.minSpan}, ${kLimits.maxSpan}]`,
    );
  }
  const point = coordinates(values, 'point', 2) as AnalyzeOptions['point'];
  const plot = textFlag(values, 'plot');
  if (plot !== null) {
    if (!plot.endsWith('.svg')) throw new UsageError(`--plot ${quoted(plot, 200)}: the file name must end in .svg`);
    const problem = checkOutputPath(plot);
    if (problem) throw new UsageError(`--plot: ${problem}`);
    if (line === null && lineImages === null) throw new UsageError('--plot needs --line');
  }
  if (line === null && lineImages === null && view === null && point === null) {
    throw new UsageError('give --line X0,Y0,X1,Y1 (or mnist:D/I,D/I), --view CX,CY,SPAN and/or --point U,V');
  }
  return {
    lineImages,
    settings: settingsFromFlags(values, cloneSettings(kDefaultSettings)),
    netFile: textFlag(values, 'net'),
    line,
    view,
    point,
    samples: integerFlag(values, 'samples', 0, 10_000_000, 1000),
    theoremGrid: integerFlag(values, 'theorem-grid', 0, 8192, 64),
    theoremGridGiven: values['theorem-grid'] !== undefined,
    pixels: integerFlag(values, 'pixels', 0, 8192, 0),
    plot,
    json: values.json === true,
  };
}
