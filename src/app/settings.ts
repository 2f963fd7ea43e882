/**
 * The one typed settings object behind lil-gui, the URL hash and the CLI flags. Every property has a parser that
 * rejects or clamps bad values with a message, so a tampered URL or a bad flag never reaches the renderer.
 */
import { type Algorithm, type ColourMode, kAlgorithms, kColourModes, kPalettes, type Palette } from '../gpu/layout.ts';
import { kNetLimits, weightCount } from '../model/limits.ts';
import { parsePreset } from '../model/presetSpec.ts';
import { escaped, quoted } from '../model/quote.ts';

export interface Settings {
  /** Hidden layer widths of the random net. */
  widths: number[];
  /** Standard deviation of the random biases. */
  sigmaB: number;
  seed: number;
  /** Hidden layers that make the partition shown: 1..L, or 0 for all. */
  layers: number;
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
}

export const kDefaultSettings: Readonly<Settings> = {
  widths: [32, 32, 32],
  sigmaB: 0.5,
  seed: 1,
  layers: 0,
  mode: 'regions',
  edgeWidth: 1,
  palette: 'vivid',
  algorithm: 'fast',
  cx: 0,
  cy: 0,
  span: 4,
  net: '',
  segment: [],
};

export const kLimits = {
  ...kNetLimits,
  minSpan: 1e-12,
  maxSpan: 1e6,
  maxCoordinate: 1e6,
  maxEdgeWidth: 16,
  maxSigmaB: 100,
} as const;

/** A parsed value; `clamped` says how the text was out of range when the value is the nearest allowed one. */
type Parsed<T> = { value: T; clamped?: string };

/**
 * How a message names a setting: the URL key ("sigmaB", then "=" before the value) or the command-line flag
 * ("--sigma-b", then a space).
 */
export interface Label {
  readonly name: string;
  readonly sep: string;
}

const said = (label: Label, text: string): string => `${label.name}${label.sep}${quoted(text, 40)}`;

function parseNumber(text: string, label: Label, min: number, max: number): Parsed<number> | string {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) return `${said(label, text)} is not a finite number`;
  if (value < min || value > max) {
    return {
      value: Math.min(max, Math.max(min, value)),
      clamped: `${label.name}${label.sep}${escaped(text, 40)} is outside [${min}, ${max}]`,
    };
  }
  return { value };
}

function parseInteger(text: string, label: Label, min: number, max: number): Parsed<number> | string {
  const parsed = parseNumber(text, label, min, max);
  if (typeof parsed === 'string') return parsed;
  if (!Number.isInteger(parsed.value)) return `${said(label, text)} is not an integer`;
  return parsed;
}

const kWidthsLabel: Label = { name: 'widths', sep: '=' };

/** Parses "64,64,64": every width an integer in [1, maxWidth], at most maxDepth layers, a bounded weight count. */
export function parseWidths(text: string, label: Label = kWidthsLabel): Parsed<number[]> | string {
  const parts = text.split(/[\s,x]+/).filter((p) => p !== '');
  if (parts.length === 0) return `${label.name}: give at least one hidden width, e.g. 64,64,64`;
  if (parts.length > kLimits.maxDepth) return `${label.name}: at most ${kLimits.maxDepth} hidden layers`;
  const widths: number[] = [];
  for (const part of parts) {
    const width = Number(part);
    if (!Number.isInteger(width) || width < 1 || width > kLimits.maxWidth) {
      return `${label.name}: ${quoted(part, 20)} is not an integer between 1 and ${kLimits.maxWidth}`;
    }
    widths.push(width);
  }
  const weights = weightCount(2, widths);
  if (weights > kLimits.maxWeights) {
    return `${label.name}: ${widths.join(',')} has ${weights} weights; at most ${kLimits.maxWeights} are generated`;
  }
  return { value: widths };
}

/** A stored net's content id (hex) or a built-in net's name. */
function parseNetName(text: string, label: Label): Parsed<string> | string {
  const preset = parsePreset(text);
  if (typeof preset === 'string') return `${label.name}: ${preset}`;
  if (preset !== null || /^[0-9a-f]{1,32}$/.test(text)) return { value: text };
  return `${said(label, text)} is neither a stored net id nor a built-in net (sawtooth:K)`;
}

/** "x0,y0,x1,y1" (input units), or "" for no segment. */
export function parseSegment(text: string, label: Label = { name: 'segment', sep: '=' }): Parsed<number[]> | string {
  if (text.trim() === '') return { value: [] };
  const values = text.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
  const bound = kLimits.maxCoordinate;
  if (values.length !== 4 || values.some((v) => !Number.isFinite(v) || Math.abs(v) > bound)) {
    return `${label.name}${label.sep}${quoted(text, 60)} is not four finite numbers x0,y0,x1,y1 within ±${bound}`;
  }
  return { value: values };
}

function parseChoice<T extends string>(choices: readonly T[]): (text: string, label: Label) => Parsed<T> | string {
  return (text, label) =>
    (choices as readonly string[]).includes(text)
      ? { value: text as T }
      : `${said(label, text)} is not one of ${choices.join(', ')}`;
}

/** One setting: how it is read and written, and how the command line and the panel present it. */
interface Property<T> {
  parse(text: string, label: Label): Parsed<T> | string;
  format(value: T): string;
  /** Its command-line flag; settings that share one (cx, cy: --center CX,CY) take comma-separated parts in order. */
  readonly flag?: string;
  /** The flag's value, as the usage text names it. */
  readonly value?: string;
  /** One line for the usage text and the panel. */
  readonly help: string;
}

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
  layers: {
    parse: (t, l) => parseInteger(t, l, 0, kLimits.maxDepth),
    format: String,
    flag: 'layers',
    value: 'K',
    help: 'only the first K hidden layers make the partition (0: all)',
  },
  mode: {
    parse: parseChoice(kColourModes),
    format: String,
    flag: 'mode',
    value: kColourModes.join('|'),
    help: 'colour mode',
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
    value: 'sawtooth:K[:EPS[:SEED]]',
    help: "a built-in net: Telgarsky's sawtooth of depth K, optionally perturbed by EPS * N(0, 1) with SEED",
  },
  segment: {
    parse: parseSegment,
    format: (s) => s.join(','),
    help: 'the segment probe x0,y0,x1,y1 (input units)',
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

/** Reads `key=value&...` pairs over `base`; unknown keys and invalid values are reported, never applied. */
export function settingsFromParams(
  params: URLSearchParams,
  base: Settings = cloneSettings(kDefaultSettings),
  options: { readonly strict?: boolean; readonly label?: (key: keyof Settings) => Label } = {},
): { settings: Settings; messages: string[] } {
  const settings = cloneSettings(base);
  const messages: string[] = [];
  for (const [key, text] of params) {
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

/** The URL hash of a settings object: every setting, floats in full precision (they round-trip exactly). */
export function settingsToHash(settings: Settings): string {
  const params = new URLSearchParams();
  for (const key of kSettingKeys) {
    if ((key === 'net' || key === 'segment') && settings[key].length === 0) continue;
    params.set(key, (kProperties[key].format as (v: unknown) => string)(settings[key]));
  }
  return `#${params.toString().replaceAll('%2C', ',')}`;
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

/** Layers shown for a net of `depth` hidden layers (0 means all). */
export function layersShown(settings: Settings, depth: number): number {
  return settings.layers === 0 ? depth : Math.min(settings.layers, depth);
}
