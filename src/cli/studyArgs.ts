/** Flags of `npm run study`. */
import { cloneSettings, kDefaultSettings } from '../settings/settings.ts';
import {
  type Command,
  integerFlag,
  listFlag,
  numberFlag,
  settingFlags,
  settingsFromFlags,
  textFlag,
  UsageError,
  type Values,
} from './commandLine.ts';

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
}

const kDefaults = {
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
} as const;

const kNets = 'nets (He init, biases N(0, sigma_b^2), seeds 1..N)';
const kMeasures = 'measures';

export const kStudyCommand: Command = {
  name: 'study',
  summary: `The papers' measurements at initialization in the window [-W/2, W/2]^2: crossings of random lines per unit
length per neuron, mean distance x neurons, exact regions / (#neurons^2 / 2); Telgarsky's sawtooth as it is perturbed.
Writes DIR/study.csv, study.json, study-depth.svg, study-size.svg, study-sawtooth.svg.`,
  flags: [
    { name: 'seeds', value: 'N', help: 'seeds per architecture', group: kNets, default: String(kDefaults.seeds) },
    // The same sigma_b as everywhere, with the study's own default.
    ...settingFlags(['sigmaB'], kNets).map((f) => ({ ...f, default: String(kDefaults.sigmaB) })),
    {
      name: 'neurons',
      value: 'N',
      help: 'neurons of the depth family',
      group: kNets,
      default: String(kDefaults.neurons),
    },
    {
      name: 'depths',
      value: 'D,D,...',
      help: 'depths with --neurons neurons ("": none)',
      group: kNets,
      default: kDefaults.depths.join(','),
    },
    {
      name: 'sizes',
      value: 'W,W,...',
      help: 'widths of the size family ("": none)',
      group: kNets,
      default: kDefaults.sizes.join(','),
    },
    {
      name: 'size-depth',
      value: 'L',
      help: 'layers of the size family',
      group: kNets,
      default: String(kDefaults.sizeDepth),
    },
    {
      name: 'window',
      value: 'W',
      help: 'side of the square window',
      group: kMeasures,
      default: String(kDefaults.window),
    },
    { name: 'lines', value: 'N', help: 'random lines per net', group: kMeasures, default: String(kDefaults.lines) },
    {
      name: 'samples',
      value: 'N',
      help: 'uniform points for the distances',
      group: kMeasures,
      default: String(kDefaults.samples),
    },
    {
      name: 'sawtooth',
      value: 'K',
      help: 'depth of the sawtooth (0: none)',
      group: kMeasures,
      default: String(kDefaults.sawtooth),
    },
    {
      name: 'perturb',
      value: 'E,E,...',
      help: 'perturbations of the sawtooth',
      group: kMeasures,
      default: kDefaults.perturb.join(','),
    },
    { name: 'out', value: 'DIR', help: 'the folder written', group: 'output', default: kDefaults.out },
  ],
  epilogue: 'Exit codes: 0 done, 1 a file could not be written, 2 bad arguments.',
};

export function studyArgs(values: Values): StudyArgs {
  const settings = settingsFromFlags(values, { ...cloneSettings(kDefaultSettings), sigmaB: kDefaults.sigmaB });
  if (!(settings.sigmaB > 0)) throw new UsageError('--sigma-b must be above 0');
  return {
    out: textFlag(values, 'out') ?? kDefaults.out,
    seeds: integerFlag(values, 'seeds', 1, 1000, kDefaults.seeds),
    sigmaB: settings.sigmaB,
    window: numberFlag(values, 'window', 1e-9, 1e6, kDefaults.window),
    lines: integerFlag(values, 'lines', 1, 100_000, kDefaults.lines),
    samples: integerFlag(values, 'samples', 1, 10_000_000, kDefaults.samples),
    neurons: integerFlag(values, 'neurons', 1, 8192, kDefaults.neurons),
    depths: listFlag(values, 'depths', { integer: true, min: 1, max: 64 }, [...kDefaults.depths]),
    sizes: listFlag(values, 'sizes', { integer: true, min: 1, max: 8192 }, [...kDefaults.sizes]),
    sizeDepth: integerFlag(values, 'size-depth', 1, 64, kDefaults.sizeDepth),
    sawtooth: integerFlag(values, 'sawtooth', 0, 24, kDefaults.sawtooth),
    perturb: listFlag(values, 'perturb', { integer: false, min: 0, max: 10 }, [...kDefaults.perturb]),
  };
}
