/**
 * The colour scale of the picture on screen, with its numbers and units: output (its range in view), distance to the
 * boundary (input units), the theorem's integrand (boundary length per unit area), the layers' edge colours, the
 * decision's classes (and, when the view holds one, that it does). Built
 * from the same colour functions as the shader (colourScale.ts) and the statistics of the fields on screen.
 */

import {
  classColour,
  css,
  distanceAt,
  gradient,
  layerColour,
  outputColour,
  type Rgb,
  viridis,
} from '../gpu/colourScale.ts';
import type { ColourMode } from '../gpu/layout.ts';
import type { FieldsSummary } from '../gpu/renderer.ts';
import { formatValue } from '../model/format.ts';

export interface LegendInput {
  readonly mode: ColourMode;
  readonly summary: FieldsSummary | null;
  /** Hidden layers shown (the layers mode's colours). */
  readonly layers: number;
  /** Width of the image in pixels and the size of a pixel in input units (the distance scale). */
  readonly imageWidth: number;
  readonly pixelSize: number;
  /** The net's output units (the decision mode's classes), and the unit of the output mode. */
  readonly units?: number;
  readonly unit?: number;
}

/** Swatches the decision legend shows at most (the rest are counted). */
const kMaxSwatches = 20;

/**
 * The decision mode's classes: one per output unit, named by its index; a net of one unit has two, 0 (output <= 0)
 * and 1 (output > 0).
 */
export function decisionClasses(units: number): { label: string; colour: Rgb }[] {
  if (units <= 1) {
    return [
      { label: '0 (output ≤ 0)', colour: classColour(0) },
      { label: '1 (output > 0)', colour: classColour(1) },
    ];
  }
  return Array.from({ length: units }, (_, k) => ({ label: String(k), colour: classColour(k) }));
}

/**
 * Why a decision picture is one flat colour, when it is: every pixel computed has one class (the summary's range of
 * classes; not after a pan reuse, whose moved pixels are not in it). Null when the view holds several classes.
 */
export function oneClassInView(summary: FieldsSummary | null, units: number): string | null {
  const range = summary?.outputRange;
  if (!summary || !range || summary.reusedPixels > 0 || range[0] !== range[1]) return null;
  const only = range[0];
  if (units <= 1) {
    return `one class in view: the output is ${only === 1 ? 'positive' : '≤ 0'} everywhere here (no decision boundary)`;
  }
  return `one class in view: unit ${only} is the largest everywhere here (no decision boundary)`;
}

/** A colour scale from `low` (t = 0) to `high` (t = 1). */
export interface Scale {
  readonly low: number;
  readonly high: number;
  colour(t: number): Rgb;
  /** Where value `v` sits on the scale. */
  position(v: number): number;
}

/** The output scale of shaders/colour.wgsl: [low, high] in view, symmetric about 0 when they differ in sign. */
export function outputScale(range: readonly [number, number]): Scale {
  const [low, high] = range;
  if (low <= 0 && high >= 0) {
    const scale = Math.max(-low, high, 1e-30);
    return {
      low: -scale,
      high: scale,
      colour: (t) => outputColour(Math.abs(2 * t - 1), t > 0.5),
      position: (v) => Math.min(1, Math.max(0, (v + scale) / (2 * scale))),
    };
  }
  // One sign: white at the least |output|, darkest at the largest.
  const positive = low > 0;
  const near = positive ? low : -high;
  const far = positive ? high : -low;
  const value = (t: number): number => low + (high - low) * t;
  return {
    low,
    high,
    colour: (t) => outputColour((Math.abs(value(t)) - near) / Math.max(far - near, 1e-30), positive),
    position: (v) => Math.min(1, Math.max(0, (v - low) / Math.max(high - low, 1e-30))),
  };
}

function bar(background: string, labels: readonly string[], unit: string): HTMLElement {
  const root = document.createElement('div');
  root.className = 'legend';
  const strip = document.createElement('div');
  strip.className = 'legend-bar';
  strip.style.background = background;
  const ticks = document.createElement('div');
  ticks.className = 'legend-ticks';
  for (const label of labels) {
    const tick = document.createElement('span');
    tick.textContent = label;
    ticks.append(tick);
  }
  const caption = document.createElement('div');
  caption.className = 'legend-unit';
  caption.textContent = unit;
  root.append(strip, ticks, caption);
  return root;
}

/** The legend of `input.mode`, or a line saying what the colours mean where there is no scale. */
export function legend(input: LegendInput): HTMLElement {
  const { mode, summary } = input;
  if (mode === 'output') {
    const range = summary?.outputRange;
    if (!range) return note('output: computing…');
    const scale = outputScale(range);
    const crossing = scale.low < 0 && scale.high > 0;
    const middle = crossing ? '0' : formatValue((scale.low + scale.high) / 2);
    const labels = [formatValue(scale.low), middle, formatValue(scale.high)];
    const which = (input.unit ?? 0) === 0 ? 'first unit' : `unit ${input.unit}`;
    const unit = `network output (${which})${crossing ? '; black lines: output = 0' : ', no zero in view'}`;
    return bar(gradient(scale.colour), labels, unit);
  }
  if (mode === 'theorem') {
    const top = summary?.theoremMax ?? null;
    if (top === null) return note('theorem: computing…');
    const labels = ['0', formatValue(top / 2), formatValue(top)];
    return bar(gradient(viridis), labels, 'expected boundary length per unit area (1 / input unit)');
  }
  if (mode === 'distance') {
    const at = (t: number): string => formatValue(distanceAt(t, input.imageWidth) * input.pixelSize);
    return bar(gradient(viridis), ['0', at(0.5), `≥ ${at(1)}`], 'distance to the nearest boundary (input units)');
  }
  if (mode === 'decision') {
    const classes = decisionClasses(input.units ?? 1);
    const root = note('class (argmax of the outputs; dark lines: decision boundaries): ');
    for (const { label, colour } of classes.slice(0, kMaxSwatches)) {
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.textContent = label;
      swatch.style.background = css(colour);
      root.append(swatch);
    }
    if (classes.length > kMaxSwatches) root.append(` … ${classes.length} classes`);
    const only = oneClassInView(summary, input.units ?? 1);
    if (only !== null) root.append(document.createElement('br'), only);
    return root;
  }
  if (mode === 'layers') {
    const root = note('edges by layer: ');
    for (let layer = 1; layer <= input.layers; layer++) {
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.textContent = String(layer);
      swatch.style.background = css(layerColour(layer, input.layers));
      root.append(swatch);
    }
    return root;
  }
  return note(mode === 'edges' ? 'lines: region boundaries' : 'a colour per region (activation pattern)');
}

function note(text: string): HTMLElement {
  const element = document.createElement('div');
  element.className = 'legend';
  element.textContent = text;
  return element;
}
