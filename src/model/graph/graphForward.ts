/**
 * The one float64 forward pass of a network (src/model/graph/graph.ts) at a point, with tangents along any input
 * directions: the oracle, predict, the segment walk and the polygons use it. A dense op is src/model/forward.ts's
 * column pass (inputs that are zero in value and tangents cost nothing), so an MLP runs as fast as before; the other
 * linear ops loop over their windows; a stage decides its pattern and applies it to values and tangents alike.
 */
import { type Activations, affine, type ColumnLayer, columnLayer, makeActivations } from '../forward.ts';
import {
  type ConvOp,
  type Graph,
  isStage,
  type MaxPoolOp,
  type Op,
  type PadOp,
  tensorSize,
  type Window2d,
} from './graph.ts';

/** A stage's pattern after a run: relu / leakyRelu: 1 where z > 0; maxPool: the window position of the maximum. */
export interface StagePattern {
  readonly active: Uint8Array | null;
  readonly argmax: Int32Array | null;
}

/**
 * How a run decides a stage's pattern. By value (the default): z > 0, the first largest of a window. By slope (the
 * segment walk, along the first tangent d): in the first `stages` stages a unit within `tolerance` |d| of its boundary
 * takes the side d moves it to (|z| <= tolerance |d|: active iff d > 0; a window's candidates within tolerance of
 * the maximum: the one of the largest slope), so the pattern is the one just after the point.
 */
export type TieRule = 'value' | { readonly tolerance: number; readonly stages: number };

/** Input (y, x) read by output (oy, ox) at kernel position (i, j), or -1 outside the image (padding). */
function windowIndex(w: Window2d, h: number, wd: number, oy: number, ox: number, i: number, j: number): number {
  const y = oy * w.strides[0] - w.pads[0] + i * w.dilations[0];
  const x = ox * w.strides[1] - w.pads[1] + j * w.dilations[1];
  return y < 0 || y >= h || x < 0 || x >= wd ? -1 : y * wd + x;
}

function conv(op: ConvOp, src: Float64Array, dst: Float64Array, withBias: boolean): void {
  const [ci, h, wd] = op.inShape;
  const [co, oh, ow] = op.outShape;
  const { kh, kw } = op.window;
  const cig = ci / op.groups;
  const cog = co / op.groups;
  const plane = oh * ow;
  for (let o = 0; o < co; o++) {
    const b = withBias ? (op.bias[o] ?? 0) : 0;
    dst.fill(b, o * plane, (o + 1) * plane);
    const g = Math.floor(o / cog);
    for (let c = 0; c < cig; c++) {
      const inBase = (g * cig + c) * h * wd;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const w = op.kernel[((o * cig + c) * kh + i) * kw + j] ?? 0;
          if (w === 0) continue;
          for (let oy = 0; oy < oh; oy++) {
            for (let ox = 0; ox < ow; ox++) {
              const k = windowIndex(op.window, h, wd, oy, ox, i, j);
              if (k >= 0)
                dst[o * plane + oy * ow + ox] = (dst[o * plane + oy * ow + ox] ?? 0) + w * (src[inBase + k] ?? 0);
            }
          }
        }
      }
    }
  }
}

function pad(op: PadOp, src: Float64Array, dst: Float64Array, value: number): void {
  const [c, h, w] = op.inShape;
  const [, oh, ow] = op.outShape;
  dst.fill(value);
  for (let ch = 0; ch < c; ch++) {
    for (let y = 0; y < h; y++) {
      const from = (ch * h + y) * w;
      const to = ((ch + op.channelBefore) * oh + y + op.top) * ow + op.left;
      dst.set(src.subarray(from, from + w), to);
    }
  }
}

/** The input elements of max-pool window `o` in order of window position (-1: padding). */
export function poolWindow(op: MaxPoolOp | Extract<Op, { kind: 'avgPool' }>, o: number, out: Int32Array): void {
  const [, h, w] = op.inShape;
  const [, oh, ow] = op.outShape;
  const ch = Math.floor(o / (oh * ow));
  const oy = Math.floor((o % (oh * ow)) / ow);
  const ox = o % ow;
  let p = 0;
  for (let i = 0; i < op.window.kh; i++) {
    for (let j = 0; j < op.window.kw; j++) {
      const k = windowIndex(op.window, h, w, oy, ox, i, j);
      out[p++] = k < 0 ? -1 : ch * h * w + k;
    }
  }
}

/**
 * A forward pass through a graph with tangents along `directions` input directions, buffers made once and reused.
 * After run(), `tensors[t]` holds tensor t's values and tangents and `patterns` each stage's pattern (stages in order).
 */
export class GraphForward {
  readonly tensors: readonly Activations[];
  readonly patterns: readonly StagePattern[];
  private readonly dense = new Map<number, ColumnLayer>();
  private readonly window: Int32Array;

  constructor(
    readonly graph: Graph,
    readonly directions: number,
  ) {
    this.tensors = Array.from({ length: graph.ops.length + 1 }, (_, t) =>
      makeActivations(tensorSize(graph, t), directions),
    );
    let largest = 1;
    const patterns: StagePattern[] = [];
    graph.ops.forEach((op, i) => {
      if (op.kind === 'dense') this.dense.set(i, columnLayer(op.layer));
      if (op.kind === 'maxPool' || op.kind === 'avgPool') largest = Math.max(largest, op.window.kh * op.window.kw);
      if (!isStage(op)) return;
      patterns.push(
        op.kind === 'maxPool'
          ? { active: null, argmax: new Int32Array(op.size) }
          : { active: new Uint8Array(op.size), argmax: null },
      );
    });
    this.patterns = patterns;
    this.window = new Int32Array(largest);
  }

  /** The network's output tensor after a run. */
  get output(): Activations {
    return this.tensors[this.graph.output] as Activations;
  }

  run(point: ArrayLike<number>, directions: readonly ArrayLike<number>[] = [], tie: TieRule = 'value'): void {
    const input = this.tensors[0] as Activations;
    input.value.set(point);
    input.tangents.forEach((t, j) => {
      t.set(directions[j] ?? []);
    });
    let stage = 0;
    this.graph.ops.forEach((op, i) => {
      const out = this.tensors[i + 1] as Activations;
      const tolerance = tie !== 'value' && stage < tie.stages ? tie.tolerance : -1;
      if (isStage(op)) this.stage(op, out, this.patterns[stage++] as StagePattern, tolerance);
      else this.linear(op, i, out);
    });
  }

  private tensor(t: number | undefined): Activations {
    return this.tensors[t ?? 0] as Activations;
  }

  /** Every component (the value, then each tangent) of `a`. */
  private static parts(a: Activations): Float64Array[] {
    return [a.value, ...a.tangents];
  }

  private linear(op: Exclude<Op, { kind: 'relu' | 'leakyRelu' | 'maxPool' }>, i: number, out: Activations): void {
    const src = this.tensor(op.inputs[0]);
    const srcParts = GraphForward.parts(src);
    const outParts = GraphForward.parts(out);
    switch (op.kind) {
      case 'dense':
        affine(this.dense.get(i) as ColumnLayer, src, out);
        return;
      case 'conv':
        outParts.forEach((d, j) => {
          conv(op, srcParts[j] as Float64Array, d, j === 0);
        });
        return;
      case 'scale':
        outParts.forEach((d, j) => {
          const s = srcParts[j] as Float64Array;
          for (let k = 0; k < op.size; k++) {
            const c = Math.floor(k / op.channelSize);
            d[k] = (op.scale[c] ?? 0) * (s[k] ?? 0) + (j === 0 ? (op.shift[c] ?? 0) : 0);
          }
        });
        return;
      case 'bias':
        outParts.forEach((d, j) => {
          const s = srcParts[j] as Float64Array;
          for (let k = 0; k < op.size; k++) d[k] = (s[k] ?? 0) + (j === 0 ? (op.constant[k] ?? 0) : 0);
        });
        return;
      case 'add': {
        const other = GraphForward.parts(this.tensor(op.inputs[1]));
        outParts.forEach((d, j) => {
          const [a, b] = [srcParts[j] as Float64Array, other[j] as Float64Array];
          for (let k = 0; k < op.size; k++) d[k] = (a[k] ?? 0) + (b[k] ?? 0);
        });
        return;
      }
      case 'concat': {
        let offset = 0;
        for (const t of op.inputs) {
          const parts = GraphForward.parts(this.tensor(t));
          outParts.forEach((d, j) => {
            d.set(parts[j] as Float64Array, offset);
          });
          offset += tensorSize(this.graph, t);
        }
        return;
      }
      case 'pad':
        outParts.forEach((d, j) => {
          pad(op, srcParts[j] as Float64Array, d, j === 0 ? op.value : 0);
        });
        return;
      case 'avgPool': {
        const win = this.window;
        const positions = op.window.kh * op.window.kw;
        for (let o = 0; o < op.size; o++) {
          poolWindow(op, o, win);
          let count = 0;
          for (let p = 0; p < positions; p++) if ((win[p] ?? -1) >= 0 || op.countIncludePad) count++;
          outParts.forEach((d, j) => {
            const s = srcParts[j] as Float64Array;
            let sum = 0;
            for (let p = 0; p < positions; p++) {
              const k = win[p] ?? -1;
              if (k >= 0) sum += s[k] ?? 0;
            }
            d[o] = sum / count;
          });
        }
        return;
      }
    }
  }

  /** Decides the stage's pattern (ties by slope within `tolerance` when it is >= 0) and applies it. */
  private stage(
    op: Extract<Op, { kind: 'relu' | 'leakyRelu' | 'maxPool' }>,
    out: Activations,
    pattern: StagePattern,
    tolerance: number,
  ): void {
    const src = this.tensor(op.inputs[0]);
    const srcParts = GraphForward.parts(src);
    const outParts = GraphForward.parts(out);
    const slope = src.tangents[0];
    if (op.kind === 'maxPool') {
      const argmax = pattern.argmax as Int32Array;
      const win = this.window;
      const positions = op.window.kh * op.window.kw;
      for (let o = 0; o < op.size; o++) {
        poolWindow(op, o, win);
        let best = -1;
        let bestK = -1;
        for (let p = 0; p < positions; p++) {
          const k = win[p] ?? -1;
          if (k >= 0 && (bestK < 0 || (src.value[k] ?? 0) > (src.value[bestK] ?? 0))) {
            best = p;
            bestK = k;
          }
        }
        if (tolerance >= 0 && slope && bestK >= 0) {
          // Candidates tied with the maximum (within tolerance of their relative slope): the steepest wins.
          const top = bestK;
          for (let p = 0; p < positions; p++) {
            const k = win[p] ?? -1;
            if (k < 0 || k === top) continue;
            const gap = (src.value[top] ?? 0) - (src.value[k] ?? 0);
            const closing = (slope[k] ?? 0) - (slope[top] ?? 0);
            if (gap <= tolerance * Math.abs(closing) && (slope[k] ?? 0) > (slope[bestK] ?? 0)) {
              best = p;
              bestK = k;
            }
          }
        }
        argmax[o] = best;
        outParts.forEach((d, j) => {
          d[o] = bestK < 0 ? 0 : ((srcParts[j] as Float64Array)[bestK] ?? 0);
        });
      }
      return;
    }
    const active = pattern.active as Uint8Array;
    for (let k = 0; k < op.size; k++) {
      const z = src.value[k] ?? 0;
      const d = slope?.[k] ?? 0;
      active[k] = (tolerance >= 0 && Math.abs(z) <= tolerance * Math.abs(d) ? d > 0 : z > 0) ? 1 : 0;
    }
    const alpha = op.kind === 'leakyRelu' ? op.alpha : 0;
    outParts.forEach((d, j) => {
      const s = srcParts[j] as Float64Array;
      for (let k = 0; k < op.size; k++) d[k] = active[k] ? (s[k] ?? 0) : alpha === 0 ? 0 : alpha * (s[k] ?? 0);
    });
  }
}

/** Every output unit of a network at an input point, in float64, and the predicted class (the first largest). */
export function predictGraph(graph: Graph, point: ArrayLike<number>): { outputs: number[]; predicted: number } {
  const pass = new GraphForward(graph, 0);
  pass.run(point);
  const outputs = Array.from(pass.output.value);
  return { outputs, predicted: outputs.indexOf(Math.max(...outputs)) };
}
