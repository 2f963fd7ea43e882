/**
 * The parsers of the settings' text (the URL hash, the command line, the panel): each rejects a bad value with a
 * message naming it as its caller does (a URL key or a flag), or clamps an out-of-range one and says how.
 */
import { kNetLimits, weightCount } from '../model/limits.ts';
import { kBundledNets } from '../model/netSource.ts';
import { formatPlaneSpec, parsePlaneSpec } from '../model/plane.ts';
import { parsePreset } from '../model/presetSpec.ts';
import { escaped, quoted } from '../model/quote.ts';

/** The bounds of every setting: the nets' own (any source), and the view's. */
export const kLimits = {
  ...kNetLimits,
  minSpan: 1e-12,
  maxSpan: 1e6,
  maxCoordinate: 1e6,
  maxEdgeWidth: 16,
  maxSigmaB: 100,
} as const;

/** A parsed value; `clamped` says how the text was out of range when the value is the nearest allowed one. */
export type Parsed<T> = { value: T; clamped?: string };

/**
 * How a message names a setting: the URL key ("sigmaB", then "=" before the value) or the command-line flag
 * ("--sigma-b", then a space).
 */
export interface Label {
  readonly name: string;
  readonly sep: string;
}

/**
 * One setting of a table (settings.ts, training.ts): how it is read and written, and how the command line and the
 * panel present it.
 */
export interface Property<T> {
  parse(text: string, label: Label): Parsed<T> | string;
  format(value: T): string;
  /** Its command-line flag; settings that share one (cx, cy: --center CX,CY) take comma-separated parts in order. */
  readonly flag?: string;
  /** The flag's value, as the usage text names it. */
  readonly value?: string;
  /** One line for the usage text and the panel. */
  readonly help: string;
  /** Its name in the panel, where it differs from the key. */
  readonly name?: string;
}

const said = (label: Label, text: string): string => `${label.name}${label.sep}${quoted(text, 40)}`;

export function parseNumber(text: string, label: Label, min: number, max: number): Parsed<number> | string {
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

export function parseInteger(text: string, label: Label, min: number, max: number): Parsed<number> | string {
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
export function parseNetName(text: string, label: Label): Parsed<string> | string {
  const preset = parsePreset(text);
  if (typeof preset === 'string') return `${label.name}: ${preset}`;
  if (preset !== null || /^[0-9a-f]{1,32}$/.test(text)) return { value: text };
  if ((kBundledNets as readonly string[]).includes(text)) return { value: text };
  return `${said(label, text)} is neither a stored net id nor a built-in net (sawtooth:K, ${kBundledNets.join(', ')})`;
}

/** A plane spec (src/model/plane.ts), checked for its form; its images and dimensions are checked with the net. */
export function parsePlane(text: string, label: Label): Parsed<string> | string {
  const spec = parsePlaneSpec(text);
  if (typeof spec === 'string') return `${label.name}: ${spec}`;
  return { value: formatPlaneSpec(spec) };
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

export function parseChoice<T extends string>(
  choices: readonly T[],
): (text: string, label: Label) => Parsed<T> | string {
  return (text, label) =>
    (choices as readonly string[]).includes(text)
      ? { value: text as T }
      : `${said(label, text)} is not one of ${choices.join(', ')}`;
}
