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

function parseNumber(text: string, name: string, min: number, max: number): Parsed<number> | string {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) return `${name}=${quoted(text, 40)} is not a finite number`;
  if (value < min || value > max) {
    return {
      value: Math.min(max, Math.max(min, value)),
      clamped: `${name}=${escaped(text, 40)} is outside [${min}, ${max}]`,
    };
  }
  return { value };
}

function parseInteger(text: string, name: string, min: number, max: number): Parsed<number> | string {
  const parsed = parseNumber(text, name, min, max);
  if (typeof parsed === 'string') return parsed;
  if (!Number.isInteger(parsed.value)) return `${name}=${quoted(text, 40)} is not an integer`;
  return parsed;
}

/** Parses "64,64,64": every width an integer in [1, maxWidth], at most maxDepth layers, a bounded weight count. */
export function parseWidths(text: string): Parsed<number[]> | string {
  const parts = text.split(/[\s,x]+/).filter((p) => p !== '');
  if (parts.length === 0) return 'widths: give at least one hidden width, e.g. 64,64,64';
  if (parts.length > kLimits.maxDepth) return `widths: at most ${kLimits.maxDepth} hidden layers`;
  const widths: number[] = [];
  for (const part of parts) {
    const width = Number(part);
    if (!Number.isInteger(width) || width < 1 || width > kLimits.maxWidth) {
      return `widths: ${quoted(part, 20)} is not an integer between 1 and ${kLimits.maxWidth}`;
    }
    widths.push(width);
  }
  const weights = weightCount(2, widths);
  if (weights > kLimits.maxWeights) {
    return `widths: ${widths.join(',')} has ${weights} weights; at most ${kLimits.maxWeights} are generated`;
  }
  return { value: widths };
}

/** A stored net's content id (hex) or a built-in net's name. */
function parseNetName(text: string): Parsed<string> | string {
  const preset = parsePreset(text);
  if (typeof preset === 'string') return `net: ${preset}`;
  if (preset !== null || /^[0-9a-f]{1,32}$/.test(text)) return { value: text };
  return `net=${quoted(text, 40)} is neither a stored net id nor a built-in net (sawtooth:K)`;
}

/** "x0,y0,x1,y1" (input units), or "" for no segment. */
export function parseSegment(text: string): Parsed<number[]> | string {
  if (text.trim() === '') return { value: [] };
  const values = text.split(',').map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
  const bound = kLimits.maxCoordinate;
  if (values.length !== 4 || values.some((v) => !Number.isFinite(v) || Math.abs(v) > bound)) {
    return `segment=${quoted(text, 60)} is not four finite numbers x0,y0,x1,y1 within ±${bound}`;
  }
  return { value: values };
}

function parseChoice<T extends string>(name: string, choices: readonly T[]): (text: string) => Parsed<T> | string {
  return (text) =>
    (choices as readonly string[]).includes(text)
      ? { value: text as T }
      : `${name}=${quoted(text, 40)} is not one of ${choices.join(', ')}`;
}

/** URL keys and how each is read and written. */
const kProperties: {
  [K in keyof Settings]: { parse(text: string): Parsed<Settings[K]> | string; format(value: Settings[K]): string };
} = {
  widths: { parse: parseWidths, format: (w) => w.join(',') },
  sigmaB: { parse: (t) => parseNumber(t, 'sigmaB', 0, kLimits.maxSigmaB), format: String },
  seed: { parse: (t) => parseInteger(t, 'seed', 0, 2 ** 32 - 1), format: String },
  layers: { parse: (t) => parseInteger(t, 'layers', 0, kLimits.maxDepth), format: String },
  mode: { parse: parseChoice('mode', kColourModes), format: String },
  edgeWidth: { parse: (t) => parseNumber(t, 'edgeWidth', 0, kLimits.maxEdgeWidth), format: String },
  palette: { parse: parseChoice('palette', kPalettes), format: String },
  algorithm: { parse: parseChoice('algorithm', kAlgorithms), format: String },
  cx: { parse: (t) => parseNumber(t, 'cx', -kLimits.maxCoordinate, kLimits.maxCoordinate), format: String },
  cy: { parse: (t) => parseNumber(t, 'cy', -kLimits.maxCoordinate, kLimits.maxCoordinate), format: String },
  span: { parse: (t) => parseNumber(t, 'span', kLimits.minSpan, kLimits.maxSpan), format: String },
  net: { parse: parseNetName, format: String },
  segment: { parse: parseSegment, format: (s) => s.join(',') },
};

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
): void {
  const parsed = kProperties[key].parse(text);
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
  options: { readonly strict?: boolean } = {},
): { settings: Settings; messages: string[] } {
  const settings = cloneSettings(base);
  const messages: string[] = [];
  for (const [key, text] of params) {
    if ((kSettingKeys as string[]).includes(key)) {
      assign(settings, key as keyof Settings, text, messages, options.strict ?? false);
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
