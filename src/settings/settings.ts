/**
 * The one typed settings object behind lil-gui, the URL hash and the CLI flags. Every property has a parser that
 * rejects or clamps bad values with a message, so a tampered URL or a bad flag never reaches the renderer.
 */
import { type Algorithm, type ColourMode, kAlgorithms, kColourModes, kPalettes, type Palette } from '../gpu/layout.ts';
import { escaped, quoted } from '../model/quote.ts';
import {
  kLimits,
  type Label,
  type Property,
  parseChoice,
  parseInteger,
  parseNetName,
  parseNumber,
  parsePlane,
  parseSegment,
  parseWidths,
} from './parsers.ts';
import { kTrainingPrefix } from './training.ts';

export { kLimits, type Label, parseSegment, parseWidths };

export interface Settings {
  /** Hidden layer widths of the random net. */
  widths: number[];
  /** Standard deviation of the random biases. */
  sigmaB: number;
  seed: number;
  /** Output units of the random net (1: one output; more: a classifier's logits, for the decision mode). */
  outputs: number;
  /** Hidden layers that make the partition shown: 1..L, or 0 for all. */
  layers: number;
  /** The output unit of the output mode (0-based; at most the net's units less one). */
  unit: number;
  mode: ColourMode;
  /** Edge width in screen pixels. */
  edgeWidth: number;
  palette: Palette;
  /** How the fields are computed: region-seeded tiles (`fast`) or one evaluation a pixel (`brute`). */
  algorithm: Algorithm;
  /** View centre and span (width of the view in input units), float64. */
  cx: number;
  cy: number;
  span: number;
  /**
   * Id of a net loaded from a file (kept in this browser's storage), or a built-in net's name (`sawtooth:8`,
   * src/model/presetSpec.ts); empty for the random net.
   */
  net: string;
  /** The segment probe, x0,y0,x1,y1 in input units; empty for none. */
  segment: number[];
  /**
   * The 2-D slice of the input space shown (src/model/plane.ts): `mnist:D/I,D/I,D/I`, `random:SEED[:D/I]`,
   * `o:..;a:..;b:..`; empty for the input plane itself (a net of 2 inputs) or the default random:1 (more inputs).
   */
  plane: string;
}

export const kDefaultSettings: Readonly<Settings> = {
  widths: [32, 32, 32],
  sigmaB: 0.5,
  seed: 1,
  outputs: 1,
  layers: 0,
  unit: 0,
  mode: 'regions',
  edgeWidth: 1,
  palette: 'vivid',
  algorithm: 'fast',
  cx: 0,
  cy: 0,
  span: 4,
  net: '',
  segment: [],
  plane: '',
};

/** Every setting: its URL key (the key here), parser, format, flag and help. The one table behind them all. */
export const kSettingsTable: { readonly [K in keyof Settings]: Property<Settings[K]> } = {
  widths: {
    parse: parseWidths,
    format: (w) => w.join(','),
    flag: 'widths',
    value: 'W,W,...',
    help: 'hidden layer widths of the random net (He init)',
  },
  sigmaB: {
    parse: (t, l) => parseNumber(t, l, 0, kLimits.maxSigmaB),
    format: String,
    flag: 'sigma-b',
    value: 'S',
    help: 'standard deviation sigma_b of the random biases; also the bias density of the theorem mode',
  },
  seed: {
    parse: (t, l) => parseInteger(t, l, 0, 2 ** 32 - 1),
    format: String,
    flag: 'seed',
    value: 'N',
    help: 'seed of the random net: the same seed, the same weights everywhere',
  },
  outputs: {
    parse: (t, l) => parseInteger(t, l, 1, kLimits.maxWidth),
    format: String,
    flag: 'outputs',
    value: 'M',
    help: 'output units of the random net (more than one: a classifier, for the decision mode)',
  },
  layers: {
    parse: (t, l) => parseInteger(t, l, 0, kLimits.maxDepth),
    format: String,
    flag: 'layers',
    value: 'K',
    help: 'only the first K hidden layers make the partition (0: all)',
  },
  unit: {
    parse: (t, l) => parseInteger(t, l, 0, kLimits.maxWidth - 1),
    format: String,
    flag: 'unit',
    value: 'U',
    help: 'the output unit (0-based) of the output mode; the decision mode takes the argmax of all of them',
  },
  mode: {
    parse: parseChoice(kColourModes),
    format: String,
    flag: 'mode',
    value: kColourModes.join('|'),
    help:
      'colour mode: regions (a colour per activation pattern), edges, distance (to the nearest boundary), layers ' +
      "(edges coloured by their neuron's layer), output (the network output), theorem (Hanin & Rolnick's integrand), " +
      'decision (the class: the argmax of the output units, with the decision boundaries)',
  },
  edgeWidth: {
    parse: (t, l) => parseNumber(t, l, 0, kLimits.maxEdgeWidth),
    format: String,
    flag: 'edge-width',
    value: 'PX',
    help: 'width of the region edges in screen pixels (0: none)',
  },
  palette: {
    parse: parseChoice(kPalettes),
    format: String,
    flag: 'palette',
    value: kPalettes.join('|'),
    help: 'region colours',
  },
  algorithm: {
    parse: parseChoice(kAlgorithms),
    format: String,
    flag: 'algorithm',
    value: kAlgorithms.join('|'),
    help: 'fast: region-seeded tiles; brute: one network evaluation a pixel (the same picture)',
  },
  cx: {
    parse: (t, l) => parseNumber(t, l, -kLimits.maxCoordinate, kLimits.maxCoordinate),
    format: String,
    flag: 'center',
    value: 'CX,CY',
    help: 'centre of the view, in input units',
  },
  cy: {
    parse: (t, l) => parseNumber(t, l, -kLimits.maxCoordinate, kLimits.maxCoordinate),
    format: String,
    flag: 'center',
    help: 'centre of the view, in input units',
  },
  span: {
    parse: (t, l) => parseNumber(t, l, kLimits.minSpan, kLimits.maxSpan),
    format: String,
    flag: 'span',
    value: 'S',
    help: 'width of the view in input units',
  },
  net: {
    parse: parseNetName,
    format: String,
    flag: 'preset',
    value: 'sawtooth:K[:EPS[:SEED]]|mnist-mlp|mnist-cnn|mnist-resnet',
    help:
      "a built-in net: Telgarsky's sawtooth of depth K, optionally perturbed by EPS * N(0, 1) with SEED; or " +
      'mnist-mlp, a PyTorch 784-64-64-64-10 MLP trained on MNIST; mnist-cnn, a CNN (conv, pad, grouped dilated ' +
      'conv; ONNX); mnist-resnet, a small residual net (leaky ReLU, batch norm, global average pool; ONNX); all ' +
      'seen through a plane of MNIST images',
  },
  segment: {
    parse: parseSegment,
    format: (s) => s.join(','),
    help: 'the segment probe x0,y0,x1,y1 (input units)',
  },
  plane: {
    parse: parsePlane,
    format: String,
    flag: 'plane',
    value: 'mnist:D/I,D/I,D/I|random:SEED[:D/I]|FILE.json',
    help:
      'the 2-D slice x = o + u a + v b of a net with more than 2 inputs: through three MNIST images (sample I of ' +
      'digit D), two random orthonormal directions through an image, or o, a, b from a JSON file',
  },
};

const kProperties = kSettingsTable;

export const kSettingKeys = Object.keys(kProperties) as (keyof Settings)[];

/**
 * Reads one value into `settings`. An invalid value is reported and not applied; an out-of-range one is clamped
 * (the app: the URL says "using X") or, when `strict` (the command line, where a script should say what it means),
 * reported and not applied.
 */
function assign<K extends keyof Settings>(
  settings: Settings,
  key: K,
  text: string,
  messages: string[],
  strict: boolean,
  label: Label,
): void {
  const parsed = kProperties[key].parse(text, label);
  if (typeof parsed === 'string') {
    messages.push(strict ? parsed : `${parsed}; kept ${escaped(kProperties[key].format(settings[key]), 40)}`);
    return;
  }
  if (parsed.clamped && strict) {
    messages.push(parsed.clamped);
    return;
  }
  settings[key] = parsed.value;
  if (parsed.clamped) messages.push(`${parsed.clamped}; using ${kProperties[key].format(parsed.value)}`);
}

/**
 * Reads `key=value&...` pairs over `base`; unknown keys and invalid values are reported, never applied. The training
 * table's keys (`train.*`, training.ts) are its to read.
 */
export function settingsFromParams(
  params: URLSearchParams,
  base: Settings = cloneSettings(kDefaultSettings),
  options: { readonly strict?: boolean; readonly label?: (key: keyof Settings) => Label } = {},
): { settings: Settings; messages: string[] } {
  const settings = cloneSettings(base);
  const messages: string[] = [];
  for (const [key, text] of params) {
    if (key.startsWith(kTrainingPrefix)) continue;
    if ((kSettingKeys as string[]).includes(key)) {
      const k = key as keyof Settings;
      const label = options.label?.(k) ?? { name: key, sep: '=' };
      assign(settings, k, text, messages, options.strict ?? false, label);
    } else {
      messages.push(`unknown setting ${quoted(key, 40)} ignored`);
    }
  }
  return { settings, messages };
}

/**
 * The URL hash of a settings object: every setting, floats in full precision (they round-trip exactly), then the
 * `more` pairs (the training table's, training.ts).
 */
export function settingsToHash(settings: Settings, more: readonly (readonly [string, string])[] = []): string {
  const params = new URLSearchParams();
  for (const key of kSettingKeys) {
    if ((key === 'net' || key === 'segment' || key === 'plane') && settings[key].length === 0) continue;
    params.set(key, (kProperties[key].format as (v: unknown) => string)(settings[key]));
  }
  for (const [key, value] of more) params.append(key, value);
  // Characters a URL fragment may hold as they are: the hash stays readable (mnist:3/800,5/800,8/800).
  return `#${params.toString().replaceAll('%2C', ',').replaceAll('%3A', ':').replaceAll('%2F', '/').replaceAll('%3B', ';')}`;
}

export function settingsFromHash(
  hash: string,
  base?: Settings,
  options: { readonly strict?: boolean } = {},
): { settings: Settings; messages: string[] } {
  return settingsFromParams(new URLSearchParams(hash.replace(/^#/, '')), base, options);
}

export function cloneSettings(settings: Readonly<Settings>): Settings {
  return { ...settings, widths: [...settings.widths], segment: [...settings.segment] };
}

/**
 * The output unit for a net of `units` output units: `unit`, or the last one with a message saying so (the way
 * the layers shown are clamped to the net's depth).
 */
export function clampUnit(unit: number, units: number): { value: number; message: string | null } {
  if (unit < units) return { value: unit, message: null };
  const last = units - 1;
  return {
    value: last,
    message: `unit=${unit}: the net has ${units} output unit${units === 1 ? '' : 's'}; showing unit ${last}`,
  };
}

/** Layers shown for a net of `depth` hidden layers (0 means all). */
export function layersShown(settings: Settings, depth: number): number {
  return settings.layers === 0 ? depth : Math.min(settings.layers, depth);
}
