/** Flags of `npm run analyze`. The net flags go through the app's settings parsers, as in `npm run shot`. */
import { cloneSettings, kDefaultSettings, kLimits, type Settings } from '../app/settings.ts';
import { escaped } from '../model/quote.ts';
import { checkNetFlags, settingsFromFlags, UsageError } from './args.ts';
import { readFlags } from './flags.ts';
import { checkOutputPath } from './outputs.ts';

export interface AnalyzeOptions {
  settings: Settings;
  netFile: string | null;
  /** x0, y0, x1, y1 */
  line: [number, number, number, number] | null;
  /** cx, cy, span: a square view */
  view: [number, number, number] | null;
  /** Points for the distance statistics (0: none). */
  samples: number;
  /** Cells per side of the theorem's integral (0: none). */
  theoremGrid: number;
  /** Pixels per side of the distinct-pattern count (0: none). */
  pixels: number;
  /** SVG file for the plot of the output along --line. */
  plot: string | null;
  json: boolean;
  help: boolean;
}

export const kAnalyzeUsage = `Usage: npm run analyze -- [net] (--line X0,Y0,X1,Y1 | --view CX,CY,SPAN)... [--json]
  net:    --net FILE (relu-mlp JSON) | --widths 32,32,32 --sigma-b 0.5 --seed 1 | --preset sawtooth:K[:EPS[:SEED]]
          --layers K   only the first K hidden layers make the partition
  --line X0,Y0,X1,Y1   exact regions along the segment (float64 walk): count, breakpoints t in (0,1), output
  --view CX,CY,SPAN    exact region polygons in the square view: count, boundary length, area, mean area
  --samples N          distance to the boundary at N uniform points of the view (default 1000, 0: off)
  --theorem-grid G     the theorem's predicted boundary length, midpoint rule on G x G cells (default 64, 0: off)
                       (bias density N(0, sigma_b^2) with --sigma-b, also for a net file)
  --pixels N           distinct patterns among N x N pixel centres of the view (float64; default 0: off)
  --plot FILE.svg      the network output along --line (exact: affine between breakpoints)
  --json               one JSON object: {"line": {...}, "view": {...}}
Exit codes: 0 done, 1 bad net file, 2 bad arguments.`;

const kOtherFlags = ['net', 'line', 'view', 'samples', 'theorem-grid', 'pixels', 'plot'];
const kNetFlags: Record<string, string> = {
  widths: 'widths',
  'sigma-b': 'sigmaB',
  seed: 'seed',
  layers: 'layers',
  preset: 'net',
};

/** `count` comma-separated coordinates within the app's bounds (±kLimits.maxCoordinate). */
function coordinates(text: string, flag: string, count: number): number[] {
  const values = text.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
  const bound = kLimits.maxCoordinate;
  if (values.length !== count || values.some((v) => !Number.isFinite(v) || Math.abs(v) > bound)) {
    throw new UsageError(
      `--${flag} ${escaped(text, 80)}: expected ${count} numbers within ±${bound}, separated by commas`,
    );
  }
  return values;
}

function count(text: string, flag: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new UsageError(`--${flag} ${text}: expected an integer in [0, ${max}]`);
  }
  return value;
}

export function parseAnalyzeArgs(argv: readonly string[]): AnalyzeOptions {
  const options: AnalyzeOptions = {
    settings: cloneSettings(kDefaultSettings),
    netFile: null,
    line: null,
    view: null,
    samples: 1000,
    theoremGrid: 64,
    pixels: 0,
    plot: null,
    json: false,
    help: false,
  };
  const params = new URLSearchParams();
  const known = (name: string): boolean => name in kNetFlags || kOtherFlags.includes(name);
  for (const { name: flag, value } of readFlags(argv, ['json', 'help'], known)) {
    if (value === null) {
      options[flag === 'json' ? 'json' : 'help'] = true;
      continue;
    }
    const key = kNetFlags[flag];
    if (key) {
      params.set(key, value);
      continue;
    }
    switch (flag) {
      case 'net':
        options.netFile = value;
        break;
      case 'line': {
        const line = coordinates(value, flag, 4) as [number, number, number, number];
        if (line[0] === line[2] && line[1] === line[3])
          throw new UsageError(`--line ${value}: the segment has no length`);
        options.line = line;
        break;
      }
      case 'view': {
        const view = coordinates(value, flag, 3) as [number, number, number];
        if (!(view[2] >= kLimits.minSpan && view[2] <= kLimits.maxSpan)) {
          throw new UsageError(`--view ${value}: the span must be in [${kLimits.minSpan}, ${kLimits.maxSpan}]`);
        }
        options.view = view;
        break;
      }
      case 'samples':
        options.samples = count(value, flag, 10_000_000);
        break;
      case 'theorem-grid':
        options.theoremGrid = count(value, flag, 8192);
        break;
      case 'pixels':
        options.pixels = count(value, flag, 8192);
        break;
      case 'plot': {
        if (!value.endsWith('.svg'))
          throw new UsageError(`--plot ${escaped(value, 200)}: the file name must end in .svg`);
        const problem = checkOutputPath(value);
        if (problem) throw new UsageError(`--plot: ${problem}`);
        options.plot = value;
        break;
      }
    }
  }
  checkNetFlags(params, options.netFile !== null);
  options.settings = settingsFromFlags(params, options.settings);
  if (options.plot !== null && options.line === null) throw new UsageError('--plot needs --line');
  if (!options.help && options.line === null && options.view === null) {
    throw new UsageError('give --line X0,Y0,X1,Y1 and/or --view CX,CY,SPAN');
  }
  return options;
}
