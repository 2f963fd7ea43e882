/** Flags of `npm run study`. */

import { UsageError } from './args.ts';
import { readFlags } from './flags.ts';
import { parseNumberList } from './listArgs.ts';

export interface StudyArgs {
  out: string;
  seeds: number;
  sigmaB: number;
  /** Side of the square window centred at the origin. */
  window: number;
  lines: number;
  samples: number;
  /** Same number of neurons, different depths. */
  neurons: number;
  depths: number[];
  /** Growing sizes: widths of `sizeDepth` equal layers. */
  sizes: number[];
  sizeDepth: number;
  /** Depth of the sawtooth (0: no sawtooth part) and the perturbations tried. */
  sawtooth: number;
  perturb: number[];
  help: boolean;
}

export const kStudyUsage = `Usage: npm run study -- [--out DIR] [--seeds N] [--sigma-b S] [--window W] [--lines N] [--samples N]
                         [--neurons N --depths 1,2,3,4,6] [--sizes 8,16,32,64 --size-depth 3]
                         [--sawtooth K --perturb 0,1e-6,1e-4,1e-2]
  Random He-initialized nets (biases N(0, S^2)) in the window [-W/2, W/2]^2 over seeds 1..N: crossings of N random
  lines per unit length per neuron, mean distance x neurons (N uniform points), exact regions / (#neurons^2 / 2).
  --depths: architectures of the same --neurons at these depths; --sizes: --size-depth layers of these widths
  (empty list: none). --sawtooth: Telgarsky's sawtooth of depth K, regions along [0,1] per perturbation.
  Writes DIR/study.csv, DIR/study.json, DIR/study-depth.svg, DIR/study-size.svg, DIR/study-sawtooth.svg.
  Defaults: --out study-out --seeds 5 --sigma-b 0.5 --window 2 --lines 100 --samples 4000 --neurons 96
            --depths 1,2,3,4,6 --sizes 8,16,32,64,128 --size-depth 3 --sawtooth 10 --perturb 0,1e-6,1e-5,1e-4,1e-3,1e-2,1e-1
Exit codes: 0 done, 2 bad arguments.`;

const kFlags = [
  'out',
  'seeds',
  'sigma-b',
  'window',
  'lines',
  'samples',
  'neurons',
  'depths',
  'sizes',
  'size-depth',
  'sawtooth',
  'perturb',
];

function integer(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`--${flag} ${text}: expected an integer in [${min}, ${max}]`);
  }
  return value;
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new UsageError(`--${flag} ${text}: expected a positive number`);
  return value;
}

export function parseStudyArgs(argv: readonly string[]): StudyArgs {
  const args: StudyArgs = {
    out: 'study-out',
    seeds: 5,
    sigmaB: 0.5,
    window: 2,
    lines: 100,
    samples: 4000,
    neurons: 96,
    depths: [1, 2, 3, 4, 6],
    sizes: [8, 16, 32, 64, 128],
    sizeDepth: 3,
    sawtooth: 10,
    perturb: [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1],
    help: false,
  };
  const known = (name: string): boolean => kFlags.includes(name);
  for (const { name: flag, value } of readFlags(argv, ['help'], known)) {
    if (value === null) {
      args.help = true;
      continue;
    }
    switch (flag) {
      case 'out':
        args.out = value;
        break;
      case 'seeds':
        args.seeds = integer(value, flag, 1, 1000);
        break;
      case 'sigma-b':
        args.sigmaB = positive(value, flag);
        break;
      case 'window':
        args.window = positive(value, flag);
        break;
      case 'lines':
        args.lines = integer(value, flag, 1, 100000);
        break;
      case 'samples':
        args.samples = integer(value, flag, 1, 10_000_000);
        break;
      case 'neurons':
        args.neurons = integer(value, flag, 1, 8192);
        break;
      case 'depths':
        args.depths = parseNumberList(value, flag, { integer: true, min: 1, max: 64 });
        break;
      case 'sizes':
        args.sizes = parseNumberList(value, flag, { integer: true, min: 1, max: 8192 });
        break;
      case 'size-depth':
        args.sizeDepth = integer(value, flag, 1, 64);
        break;
      case 'sawtooth':
        args.sawtooth = integer(value, flag, 0, 24);
        break;
      case 'perturb':
        args.perturb = parseNumberList(value, flag, { integer: false, min: 0, max: 10 });
        break;
    }
  }
  return args;
}
