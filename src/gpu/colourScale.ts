/**
 * The colours of shaders/colour.wgsl in TypeScript, for the legends: the same formulas (OKLCh, the viridis fit, the
 * output and theorem scales), so that a legend's colours are the picture's (tests compare them with its pixels).
 */

export type Rgb = readonly [number, number, number];

function encodeSrgb(c: number): number {
  return c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** OKLCh (lightness, chroma, hue in turns) to gamma-encoded sRGB in [0, 1] (colour.wgsl `oklch`). */
export function oklch(l: number, c: number, h: number): Rgb {
  const a = c * Math.cos(2 * Math.PI * h);
  const b = c * Math.sin(2 * Math.PI * h);
  const l_ = (l + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m_ = (l - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s_ = (l - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    encodeSrgb(clamp01(4.0767416621 * l_ - 3.3077115913 * m_ + 0.2309699292 * s_)),
    encodeSrgb(clamp01(-1.2684380046 * l_ + 2.6097574011 * m_ - 0.3413193965 * s_)),
    encodeSrgb(clamp01(-0.0041960863 * l_ - 0.7034186147 * m_ + 1.707614701 * s_)),
  ];
}

const kViridis: readonly Rgb[] = [
  [0.2777273272, 0.0054073445, 0.3340998053],
  [0.1050930431, 1.4046135299, 1.3845901626],
  [-0.3308618287, 0.2148475595, 0.095095163],
  [-4.634230499, -5.7991009734, -19.3324409563],
  [6.2282699363, 14.1799333668, 56.6905526007],
  [4.7763849977, -13.7451453777, -65.3530326334],
  [-5.4354558559, 4.6458526122, 26.3124352496],
];

/** The polynomial fit of viridis, t in [0, 1] (colour.wgsl `viridis`). */
export function viridis(t: number): Rgb {
  const channel = (k: 0 | 1 | 2): number => clamp01(kViridis.reduceRight((sum, c) => c[k] + t * sum, 0));
  return [channel(0), channel(1), channel(2)];
}

/** Output mode: `t` in [0, 1] from the scale's white end, warm for positive outputs (colour.wgsl `outputColour`). */
export function outputColour(t: number, positive: boolean): Rgb {
  const s = Math.sqrt(clamp01(t));
  return positive ? oklch(0.97 - 0.42 * s, 0.17 * s, 0.08) : oklch(0.97 - 0.42 * s, 0.15 * s, 0.68);
}

/** Edge colour of hidden layer `layer` (1-based) of `layers` in the layers mode (colour.wgsl `layerColour`). */
export function layerColour(layer: number, layers: number): Rgb {
  return oklch(0.55, 0.16, (layer - 1) / Math.max(layers, 1) + 0.05);
}

/** The decision mode's first ten class colours (Tableau 10), 0..255 (colour.wgsl `kClassColours`). */
const kClassColours: readonly Rgb[] = [
  [78, 121, 167],
  [242, 142, 43],
  [225, 87, 89],
  [118, 183, 178],
  [89, 161, 79],
  [237, 201, 72],
  [176, 122, 161],
  [255, 157, 167],
  [156, 117, 95],
  [186, 176, 172],
];

/** The colour of class `k` in the decision mode (colour.wgsl `classColour`). */
export function classColour(k: number): Rgb {
  const tableau = kClassColours[k];
  if (tableau) return [tableau[0] / 255, tableau[1] / 255, tableau[2] / 255];
  const hue = 0.03 + k * 0.381966;
  return oklch(0.6 + 0.15 * (Math.floor(k / 10) % 2), 0.12, hue - Math.floor(hue));
}

/** Distance mode: the scale position of a distance of `pixels` on an image `imageWidth` pixels wide. */
export function distancePosition(pixels: number, imageWidth: number): number {
  return clamp01(Math.log2(1 + pixels) / Math.log2(1 + 0.25 * imageWidth));
}

/** The distance at scale position t (the inverse of distancePosition), in pixels. */
export function distanceAt(t: number, imageWidth: number): number {
  return (1 + 0.25 * imageWidth) ** t - 1;
}

/** A CSS colour. */
export function css(rgb: Rgb): string {
  const [r, g, b] = rgb.map((c) => Math.round(255 * c));
  return `rgb(${r} ${g} ${b})`;
}

/** A CSS linear gradient through `steps` + 1 colours of `colour(t)`, t from 0 (left) to 1. */
export function gradient(colour: (t: number) => Rgb, steps = 16): string {
  const stops = Array.from({ length: steps + 1 }, (_, i) => css(colour(i / steps)));
  return `linear-gradient(to right, ${stops.join(', ')})`;
}
