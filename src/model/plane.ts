/**
 * The 2-D slice through which a net of any input dimension d is seen: x(u, v) = o + u a + v b. The slice is folded
 * into the first layer in float64 (W1' = W1 [a b], b1' = W1 o + b1), so every pass and every analysis works on the
 * folded 2-D net as on a planar one, and (u, v) are the picture's coordinates. With (a, b) orthonormal, u, v and every
 * distance in the picture are Euclidean distances in input space.
 *
 * A plane is named by a spec, the same in the URL (`plane=`) and on the command line (`--plane`):
 *   ''                      the identity (d = 2: the input plane itself)
 *   mnist:D/I,D/I,D/I       through three MNIST images p1, p2, p3: o = p1, a = (p2 - p1) / |p2 - p1|,
 *                           b = the unit vector of (p3 - p1) - ((p3 - p1) . a) a   (the papers' plane)
 *   random:SEED[:D/I]       two random orthonormal directions (seeded) through an image, else through the origin
 *   o:X,..;a:X,..;b:X,..    explicit o, a and b (d numbers each); a and b are used as given
 */

import { counted } from './format.ts';
import { isGraph, type Network, sliceGraph } from './graph/graph.ts';
import { kNetLimits } from './limits.ts';
import { type DigitData, formatImageRef, type ImageRef, kMnistPixels, mnistImage, parseImageRef } from './mnist.ts';
import type { Layer, Net } from './net.ts';
import { quoted } from './quote.ts';
import { Random } from './random.ts';

export type PlaneSpec =
  | { readonly kind: 'identity' }
  | { readonly kind: 'mnist'; readonly images: readonly [ImageRef, ImageRef, ImageRef] }
  | { readonly kind: 'random'; readonly seed: number; readonly through: ImageRef | null }
  | { readonly kind: 'explicit'; readonly o: Float64Array; readonly a: Float64Array; readonly b: Float64Array };

/** A point of input space marked on the picture: its (u, v) and a label. */
export interface PlaneMark {
  readonly u: number;
  readonly v: number;
  readonly label: string;
  /** The MNIST image it is, if any. */
  readonly image: ImageRef | null;
}

export interface Plane {
  readonly o: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly marks: readonly PlaneMark[];
  /** The points are MNIST images (28 x 28): the app draws x(u, v) as an image. */
  readonly mnist: boolean;
}

export class PlaneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlaneError';
  }
}

/** The numbers of one vector of an explicit spec: at most one per input of the largest net read. */
function numbers(text: string, what: string): Float64Array {
  // Counted before the text is split: a URL or a file may hold any number of commas.
  const max = kNetLimits.maxInputDim;
  let count = 1;
  for (let at = text.indexOf(','); at >= 0 && count <= max; at = text.indexOf(',', at + 1)) count++;
  if (count > max) throw new PlaneError(`${what} has over ${max} numbers; nets have at most ${max} inputs`);
  const parts = text.split(',');
  const values = Float64Array.from(parts, (p) => (/^\s*$/.test(p) ? Number.NaN : Number(p)));
  const bad = values.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new PlaneError(`${what}[${bad}] is not a finite number: ${quoted(parts[bad] ?? '', 30)}`);
  return values;
}

/** The spec `text` names, or a message. */
export function parsePlaneSpec(text: string): PlaneSpec | string {
  if (text === '') return { kind: 'identity' };
  const shown = quoted(text, 60);
  if (text.startsWith('mnist:')) {
    const refs = text.slice(6).split(',').map(parseImageRef);
    const bad = refs.find((r) => typeof r === 'string');
    if (refs.length !== 3 || typeof bad === 'string') {
      return `plane ${shown}: expected mnist:D/I,D/I,D/I (three images, sample I of digit D)${bad ? `: ${bad}` : ''}`;
    }
    return { kind: 'mnist', images: refs as [ImageRef, ImageRef, ImageRef] };
  }
  if (text.startsWith('random:')) {
    const match = /^random:(\d{1,10})(?::(.*))?$/.exec(text);
    const seed = Number(match?.[1]);
    if (!match || seed > 2 ** 32 - 1) return `plane ${shown}: expected random:SEED[:D/I] (SEED below 2^32)`;
    if (match[2] === undefined) return { kind: 'random', seed, through: null };
    const through = parseImageRef(match[2]);
    if (typeof through === 'string') return `plane ${shown}: ${through}`;
    return { kind: 'random', seed, through };
  }
  if (text.startsWith('o:')) {
    const match = /^o:([^;]*);a:([^;]*);b:([^;]*)$/.exec(text);
    if (!match) return `plane ${shown}: expected o:X,X,..;a:X,X,..;b:X,X,..`;
    try {
      const [o, a, b] = [numbers(match[1] ?? '', 'o'), numbers(match[2] ?? '', 'a'), numbers(match[3] ?? '', 'b')];
      if (o.length !== a.length || a.length !== b.length) {
        return `plane: o, a and b have ${o.length}, ${a.length} and ${b.length} numbers; they must have the same`;
      }
      return { kind: 'explicit', o, a, b };
    } catch (error) {
      return `plane: ${(error as Error).message}`;
    }
  }
  return `plane ${shown}: expected mnist:D/I,D/I,D/I, random:SEED[:D/I] or o:..;a:..;b:..`;
}

export function formatPlaneSpec(spec: PlaneSpec): string {
  switch (spec.kind) {
    case 'identity':
      return '';
    case 'mnist':
      return `mnist:${spec.images.map(formatImageRef).join(',')}`;
    case 'random':
      return `random:${spec.seed}${spec.through ? `:${formatImageRef(spec.through)}` : ''}`;
    case 'explicit':
      return `o:${spec.o.join(',')};a:${spec.a.join(',')};b:${spec.b.join(',')}`;
  }
}

function dot(x: Float64Array, y: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] ?? 0) * (y[i] ?? 0);
  return sum;
}

function difference(x: Float64Array, y: Float64Array): Float64Array {
  return x.map((value, i) => value - (y[i] ?? 0));
}

/** x / |x|, or null when x is (numerically) zero relative to `scale`. */
function unit(x: Float64Array, scale: number): Float64Array | null {
  const norm = Math.sqrt(dot(x, x));
  if (!(norm > 1e-12 * scale)) return null;
  return x.map((value) => value / norm);
}

/**
 * The plane through p1, p2, p3 (the papers' plane): o = p1, a = (p2 - p1) / |p2 - p1|, b = the unit vector of
 * (p3 - p1) - ((p3 - p1) . a) a. Marks the three points.
 */
export function planeThrough(
  points: readonly Float64Array[],
  labels: readonly string[],
  images: (ImageRef | null)[],
): Plane {
  const [p1, p2, p3] = points;
  if (!p1 || !p2 || !p3) throw new PlaneError('a plane through points needs three points');
  const d12 = difference(p2, p1);
  const d13 = difference(p3, p1);
  const scale = Math.max(Math.sqrt(dot(d12, d12)), Math.sqrt(dot(d13, d13)), 1e-300);
  const a = unit(d12, scale);
  if (!a) throw new PlaneError(`${labels[0]} and ${labels[1]} are the same point: no plane through them`);
  const along = dot(d13, a);
  const b = unit(
    d13.map((value, i) => value - along * (a[i] ?? 0)),
    scale,
  );
  if (!b) throw new PlaneError(`${labels.join(', ')} lie on one line: no plane through them`);
  const marks = [
    { u: 0, v: 0 },
    { u: dot(d12, a), v: 0 },
    { u: along, v: dot(d13, b) },
  ].map((m, i) => ({ ...m, label: labels[i] ?? '', image: images[i] ?? null }));
  return { o: p1.slice(), a, b, marks, mnist: p1.length === kMnistPixels };
}

/** Two orthonormal directions drawn from N(0, I) with `seed` (Gram-Schmidt), through `origin`. */
export function randomPlane(origin: Float64Array, seed: number, mark: PlaneMark | null): Plane {
  const rng = new Random(seed);
  const d = origin.length;
  for (;;) {
    const x = Float64Array.from({ length: d }, () => rng.normal());
    const y = Float64Array.from({ length: d }, () => rng.normal());
    const a = unit(x, 1);
    if (!a) continue;
    const along = dot(y, a);
    const b = unit(
      y.map((value, i) => value - along * (a[i] ?? 0)),
      1,
    );
    if (b) return { o: origin.slice(), a, b, marks: mark ? [mark] : [], mnist: d === kMnistPixels };
  }
}

/** The plane a spec names for a net of input dimension `inputDim`; null for the identity. */
export function resolvePlane(spec: PlaneSpec, inputDim: number, digits: DigitData): Plane | null {
  const needImages = (): void => {
    if (inputDim !== kMnistPixels) {
      throw new PlaneError(`MNIST images have ${kMnistPixels} pixels but the net has ${inputDim} inputs`);
    }
  };
  switch (spec.kind) {
    case 'identity':
      if (inputDim !== 2)
        throw new PlaneError(`the net has ${counted(inputDim, 'input')}: choose a plane to see it through`);
      return null;
    case 'mnist': {
      needImages();
      const points = spec.images.map((ref) => mnistImage(digits, ref));
      const labels = spec.images.map((ref) => `mnist:${formatImageRef(ref)}`);
      return planeThrough(points, labels, [...spec.images]);
    }
    case 'random': {
      if (!spec.through) return randomPlane(new Float64Array(inputDim), spec.seed, null);
      needImages();
      const label = `mnist:${formatImageRef(spec.through)}`;
      return randomPlane(mnistImage(digits, spec.through), spec.seed, {
        u: 0,
        v: 0,
        label,
        image: spec.through,
      });
    }
    case 'explicit': {
      if (spec.o.length !== inputDim) {
        throw new PlaneError(
          `the plane's o, a, b have ${counted(spec.o.length, 'number')} each ` +
            `but the net has ${counted(inputDim, 'input')}`,
        );
      }
      const scale = Math.max(Math.sqrt(dot(spec.a, spec.a)), Math.sqrt(dot(spec.b, spec.b)), 1e-300);
      const a = unit(spec.a, 1e-300);
      const bAlong = a ? dot(spec.b, a) : 0;
      const rest = a
        ? unit(
            spec.b.map((v, i) => v - bAlong * (a[i] ?? 0)),
            scale,
          )
        : null;
      if (!a || !rest) throw new PlaneError("the plane's a and b are not linearly independent");
      return { o: spec.o, a: spec.a, b: spec.b, marks: [], mnist: inputDim === kMnistPixels };
    }
  }
}

/** The input point x(u, v) = o + u a + v b. */
export function planePoint(plane: Plane, u: number, v: number): Float64Array {
  return plane.o.map((value, i) => value + u * (plane.a[i] ?? 0) + v * (plane.b[i] ?? 0));
}

/** Why the folded first layer (2 weights and a bias a neuron) is beyond float64's range, or null. */
function foldOverflow(weight: Float64Array, bias: Float64Array): string | null {
  const finite = (n: number): boolean =>
    Number.isFinite(bias[n]) && Number.isFinite(weight[2 * n]) && Number.isFinite(weight[2 * n + 1]);
  const n = bias.findIndex((_, i) => !finite(i));
  if (n < 0) return null;
  return (
    `the net's first layer folded with the plane overflows float64 at neuron ${n}: W1 [a b] = ` +
    `[${weight[2 * n]}, ${weight[2 * n + 1]}], W1 o + b1 = ${bias[n]}`
  );
}

/**
 * The net seen through the plane: its first layer folded with the plane in float64; the identity for null. A fold
 * beyond float64's range is refused here, so that every command and the app refuse it alike (analyze found it only
 * in its results, shot drew it).
 */
export function slicedNet(net: Net, plane: Plane | null): Net {
  if (!plane) return net;
  const [first, ...rest] = net.hidden;
  if (!first) return net;
  const d = first.inDim;
  if (plane.o.length !== d) {
    throw new PlaneError(`the plane has ${counted(plane.o.length, 'dimension')}, the net ${counted(d, 'input')}`);
  }
  const weight = new Float64Array(2 * first.outDim);
  const bias = new Float64Array(first.outDim);
  for (let n = 0; n < first.outDim; n++) {
    const row = first.weight.subarray(n * d, (n + 1) * d);
    weight[2 * n] = dot(row, plane.a);
    weight[2 * n + 1] = dot(row, plane.b);
    bias[n] = dot(row, plane.o) + (first.bias[n] ?? 0);
  }
  const problem = foldOverflow(weight, bias);
  if (problem) throw new PlaneError(problem);
  const folded: Layer = { inDim: 2, outDim: first.outDim, weight, bias };
  return { inputDim: 2, hidden: [folded, ...rest], output: net.output };
}

/** The plane a net is seen through when none is named: the identity for 2 inputs, MNIST test images for 784. */
export function defaultPlaneSpec(inputDim: number): string {
  if (inputDim === 2) return '';
  return inputDim === kMnistPixels ? 'mnist:3/800,5/800,8/800' : 'random:1';
}

/** A net and the 2-D net every pass and analysis draws: the net folded with its plane. */
export interface SlicedNet {
  /** The net as read, of input dimension d. */
  readonly model: Net;
  readonly plane: Plane | null;
  /** The plane's spec as used (the default filled in). */
  readonly spec: string;
  /** The folded net (inputDim 2); `model` itself for the identity. */
  readonly net: Net;
}

/** `model` seen through the plane `specText` names (or the default one). Throws PlaneError, NeedsDigits. */
export function seeThrough(model: Net, specText: string, digits: DigitData): SlicedNet {
  const text = specText === '' ? defaultPlaneSpec(model.inputDim) : specText;
  const spec = parsePlaneSpec(text);
  if (typeof spec === 'string') throw new PlaneError(spec);
  const plane = resolvePlane(spec, model.inputDim, digits);
  return { model, plane, spec: text, net: slicedNet(model, plane) };
}

/** A network and the 2-D network every pass and analysis draws (a graph gets a first op from the plane). */
export interface SlicedNetwork {
  readonly model: Network;
  readonly plane: Plane | null;
  readonly spec: string;
  readonly net: Network;
}

/** seeThrough for any network: an MLP as seeThrough, a graph sliced by sliceGraph. */
export function seeNetworkThrough(model: Network, specText: string, digits: DigitData): SlicedNetwork {
  if (!isGraph(model)) return seeThrough(model, specText, digits);
  const text = specText === '' ? defaultPlaneSpec(model.inputDim) : specText;
  const spec = parsePlaneSpec(text);
  if (typeof spec === 'string') throw new PlaneError(spec);
  const plane = resolvePlane(spec, model.inputDim, digits);
  return { model, plane, spec: text, net: plane ? sliceGraph(model, plane) : model };
}

/** A view that shows every mark with a margin (null when there are fewer than two marks). */
export function viewOfMarks(plane: Plane | null, aspect: number): { cx: number; cy: number; span: number } | null {
  if (!plane || plane.marks.length < 2) return null;
  const us = plane.marks.map((m) => m.u);
  const vs = plane.marks.map((m) => m.v);
  const [u0, u1, v0, v1] = [Math.min(...us), Math.max(...us), Math.min(...vs), Math.max(...vs)];
  const span = 1.5 * Math.max(u1 - u0, (v1 - v0) * aspect);
  return { cx: (u0 + u1) / 2, cy: (v0 + v1) / 2, span };
}

/**
 * A plane that holds the segment p1 -> p2: o = p1, a = (p2 - p1) / |p2 - p1|, b a seeded random unit vector
 * orthogonal to a. The segment is (0, 0) -> (|p2 - p1|, 0) there, and its regions are the net's along the segment.
 */
export function planeAlong(p1: Float64Array, p2: Float64Array, labels: readonly [string, string]): Plane {
  const d12 = difference(p2, p1);
  const a = unit(d12, Math.max(Math.sqrt(dot(d12, d12)), 1e-300));
  if (!a) throw new PlaneError(`${labels[0]} and ${labels[1]} are the same point: the segment has no length`);
  const random = randomPlane(p1, 1, null);
  // Of the two random directions, the one least along a, made orthogonal to it.
  const pick = Math.abs(dot(random.a, a)) < Math.abs(dot(random.b, a)) ? random.a : random.b;
  const along = dot(pick, a);
  const b = unit(
    pick.map((value, i) => value - along * (a[i] ?? 0)),
    1,
  );
  if (!b) throw new PlaneError('no direction orthogonal to the segment was found');
  const marks = [
    { u: 0, v: 0, label: labels[0], image: null },
    { u: Math.sqrt(dot(d12, d12)), v: 0, label: labels[1], image: null },
  ];
  return { o: p1.slice(), a, b, marks, mnist: p1.length === kMnistPixels };
}
