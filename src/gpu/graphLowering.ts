/**
 * A network graph lowered to GPU operations, once per graph, for both of its passes (graphPass.ts, brute force;
 * graphRegionsPass.ts, region-seeded): each operation becomes the uniform values of shaders/graphOps.wgsl's GraphOp (a
 * concatenation one copy per input, a bias a copy: in the perturbation form a constant drops out), its weights go
 * into one buffer (convolutions keep their kernels, never a dense matrix), and every tensor gets a scratch slot,
 * reused once no later operation reads it.
 */
import { type Graph, lastUses, opMacs, stagesOf, tensorSize } from '../model/graph/graph.ts';
import { kGraphOp } from './layout.ts';

export const kInputSlot = 0xffffffff;
/** The kinds of GPU operation (kOp* in shaders/graphOps.wgsl). */
export const kKinds = {
  dense: 0,
  conv: 1,
  scale: 2,
  copy: 3,
  add: 4,
  avgPool: 5,
  pad: 6,
  relu: 7,
  maxPool: 8,
} as const;

/** One GPU operation: its uniform's values, its units and its multiply-adds a pixel (with tangents). */
export interface GpuOp {
  readonly values: Record<string, number>;
  readonly units: number;
  readonly macs: number;
}

/** Scratch slots by liveness: first fit in a list of free ranges. */
class SlotAllocator {
  private readonly free: [number, number][] = [];
  size = 0;

  take(units: number): number {
    const i = this.free.findIndex(([, n]) => n >= units);
    const range = this.free[i];
    if (range) {
      const [start, n] = range;
      if (n === units) this.free.splice(i, 1);
      else range.splice(0, 2, start + units, n - units);
      return start;
    }
    this.size += units;
    return this.size - units;
  }

  give(start: number, units: number): void {
    this.free.push([start, units]);
    this.free.sort((a, b) => a[0] - b[0]);
    // Adjacent ranges merged.
    for (let i = this.free.length - 1; i > 0; i--) {
      const [a, b] = [this.free[i - 1], this.free[i]];
      if (a && b && a[0] + a[1] === b[0]) {
        a[1] += b[1];
        this.free.splice(i, 1);
      }
    }
  }
}

const kZeroOp: Record<string, number> = Object.fromEntries(kGraphOp.fields.map(([name]) => [name, 0]));

/** The graph's GPU operations, their weights, slots and centre offsets (both passes of a graph). */
export function lowerGraph(graph: Graph): {
  gpuOps: GpuOp[];
  weights: Float32Array;
  arena: number;
  centreOffsets: number[];
  opsThroughStage: number[];
  outputSlot: number;
} {
  const centreOffsets: number[] = [];
  let centreSize = 0;
  for (let t = 0; t <= graph.ops.length; t++) {
    centreOffsets.push(centreSize);
    centreSize += tensorSize(graph, t);
  }
  const weightParts: Float64Array[] = [];
  let weightCount = 0;
  const addWeights = (w: Float64Array): number => {
    weightParts.push(w);
    weightCount += w.length;
    return weightCount - w.length;
  };
  const last = lastUses(graph);
  const slots = new SlotAllocator();
  const slotOf: number[] = [kInputSlot];
  const gpuOps: GpuOp[] = [];
  const opsThroughStage: number[] = [];
  const stages = stagesOf(graph);
  graph.ops.forEach((op, i) => {
    const out = slots.take(op.size);
    slotOf.push(out);
    const [a = 0, b = 0] = op.inputs;
    const base = {
      ...kZeroOp,
      size: op.size,
      in0: slotOf[a] ?? kInputSlot,
      in1: slotOf[b] ?? kInputSlot,
      out,
      stage: 0xffffffff,
    };
    const macs = 3 * opMacs(graph, op);
    const image = (s: readonly number[], prefix: '' | 'o'): Record<string, number> => ({
      [`${prefix}c`]: s[0] ?? 0,
      [`${prefix}h`]: s[1] ?? 0,
      [`${prefix}w`]: s[2] ?? 0,
    });
    const push = (values: Record<string, number>): void => {
      gpuOps.push({ values: { ...base, ...values }, units: values.size ?? op.size, macs });
    };
    switch (op.kind) {
      case 'dense':
        push({ kind: kKinds.dense, weights: addWeights(op.layer.weight), inDim: op.layer.inDim });
        break;
      case 'conv':
      case 'avgPool':
      case 'maxPool': {
        const { window } = op;
        const shape = {
          ...image(op.inShape, ''),
          ...image(op.outShape, 'o'),
          kh: window.kh,
          kw: window.kw,
          sh: window.strides[0],
          sw: window.strides[1],
          pt: window.pads[0],
          pl: window.pads[1],
          dh: window.dilations[0],
          dw: window.dilations[1],
        };
        if (op.kind === 'conv')
          push({ kind: kKinds.conv, ...shape, groups: op.groups, weights: addWeights(op.kernel) });
        else if (op.kind === 'avgPool') push({ kind: kKinds.avgPool, ...shape, countPad: op.countIncludePad ? 1 : 0 });
        else {
          const stage = stages.findIndex((s) => s.opIndex === i);
          const unitBase = stages[stage]?.unitBase ?? 0;
          push({
            kind: kKinds.maxPool,
            ...shape,
            stage,
            unitBase,
            centreIn: centreOffsets[a] ?? 0,
            centreOut: centreOffsets[i + 1] ?? 0,
          });
        }
        break;
      }
      case 'scale':
        push({ kind: kKinds.scale, weights: addWeights(op.scale), channelSize: op.channelSize });
        break;
      case 'bias':
        push({ kind: kKinds.copy });
        break;
      case 'add':
        push({ kind: kKinds.add });
        break;
      case 'concat': {
        let offset = 0;
        for (const t of op.inputs) {
          const size = tensorSize(graph, t);
          gpuOps.push({
            values: { ...base, kind: kKinds.copy, in0: slotOf[t] ?? kInputSlot, out: out + offset, size },
            units: size,
            macs: 3 * size,
          });
          offset += size;
        }
        break;
      }
      case 'pad':
        push({
          kind: kKinds.pad,
          ...image(op.inShape, ''),
          ...image(op.outShape, 'o'),
          groups: op.channelBefore,
          pt: op.top,
          pl: op.left,
        });
        break;
      case 'relu':
      case 'leakyRelu': {
        const stage = stages.findIndex((s) => s.opIndex === i);
        const alpha = op.kind === 'leakyRelu' ? op.alpha : 0;
        push({
          kind: kKinds.relu,
          stage,
          unitBase: stages[stage]?.unitBase ?? 0,
          centreIn: centreOffsets[a] ?? 0,
          alpha,
        });
        break;
      }
    }
    if (stages.some((s) => s.opIndex === i)) opsThroughStage.push(gpuOps.length);
    // Inputs no later op reads give their slots back (after this op's output took its own).
    for (const t of new Set(op.inputs)) {
      if (t > 0 && (last[t] ?? -1) <= i) slots.give(slotOf[t] ?? 0, tensorSize(graph, t));
    }
  });
  const weights = new Float32Array(Math.max(1, weightCount));
  let at = 0;
  for (const part of weightParts) {
    weights.set(part, at);
    at += part.length;
  }
  return { gpuOps, weights, arena: slots.size, centreOffsets, opsThroughStage, outputSlot: slotOf[graph.output] ?? 0 };
}
