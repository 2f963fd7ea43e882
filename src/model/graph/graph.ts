/**
 * A piecewise-linear network as a small graph of typed operations: the one network type of the passes and analyses.
 * An MLP is the chain dense, relu, dense, relu, ..., dense (graphOfNet); a file in ONNX can be any DAG of the
 * operations below (src/model/files/onnx.ts lowers its nodes to them).
 *
 * Tensors are numbered: tensor 0 is the input, tensor i + 1 the output of ops[i] (ops in topological order). Every
 * tensor is a flat float64 array in ONNX's row-major order without the batch dimension (C x H x W for images); a
 * shape change (Reshape, Flatten) is no operation at all. Linear operations carry their bias; the piecewise-linear
 * ones are the **stages** (relu, leakyRelu, maxPool), numbered in op order: "layers shown" k keeps the first k.
 *
 * The activation pattern is, for every stage unit, the sign of a relu / leakyRelu pre-activation (z > 0), and for
 * every max-pool window the position of its maximum (the first largest). For the pattern hash (src/model/hash.ts)
 * every stage owns consecutive "units": one per element of a relu / leakyRelu, and K per max-pool window (K = the
 * window's positions, kh * kw), of which the argmax's is the one set. An MLP's units are its neurons, numbered
 * exactly as before.
 */
import type { Layer, Net } from '../net.ts';
import { outputUnit } from '../net.ts';

/** Window of a 2-D convolution or pooling: kernel size, strides, pads (top, left, bottom, right), dilations. */
export interface Window2d {
  readonly kh: number;
  readonly kw: number;
  readonly strides: readonly [number, number];
  readonly pads: readonly [number, number, number, number];
  readonly dilations: readonly [number, number];
}

/** [C, H, W] of an image tensor. */
export type ImageShape = readonly [number, number, number];

interface OpBase {
  /** Tensor indices read (tensor 0: the input; tensor i + 1: ops[i]'s output). */
  readonly inputs: readonly number[];
  /** Elements of the output tensor. */
  readonly size: number;
  /** The file's name for the node (messages), or a generated one. */
  readonly name: string;
}

/** out = W in + b, W row-major [size][in] (Gemm, MatMul + Add, nn.Linear). */
export interface DenseOp extends OpBase {
  readonly kind: 'dense';
  readonly layer: Layer;
}

/** A 2-D convolution of an image with groups; kernel [Co][Ci / groups][kh][kw], zero padding. */
export interface ConvOp extends OpBase {
  readonly kind: 'conv';
  readonly inShape: ImageShape;
  readonly outShape: ImageShape;
  readonly window: Window2d;
  readonly groups: number;
  readonly kernel: Float64Array;
  readonly bias: Float64Array;
}

/** out[c, ...] = scale[c] in[c, ...] + shift[c] (inference batch norm), channels of `channelSize` elements. */
export interface ScaleOp extends OpBase {
  readonly kind: 'scale';
  readonly channelSize: number;
  readonly scale: Float64Array;
  readonly shift: Float64Array;
}

/** out = in + constant (a bias added by Add, broadcast to the whole tensor at load). */
export interface BiasOp extends OpBase {
  readonly kind: 'bias';
  readonly constant: Float64Array;
}

/** out = a + b (a residual connection). */
export interface AddOp extends OpBase {
  readonly kind: 'add';
}

/** out = the inputs one after another (Concat along an axis whose leading dimensions are 1). */
export interface ConcatOp extends OpBase {
  readonly kind: 'concat';
}

/** Average pooling; GlobalAveragePool is the window of the whole image. Pads counted or not (count_include_pad). */
export interface AvgPoolOp extends OpBase {
  readonly kind: 'avgPool';
  readonly inShape: ImageShape;
  readonly outShape: ImageShape;
  readonly window: Window2d;
  readonly countIncludePad: boolean;
}

/** Constant padding of an image: `pads` (top, left, bottom, right) of `value`; channels padded too (channelPads). */
export interface PadOp extends OpBase {
  readonly kind: 'pad';
  readonly inShape: ImageShape;
  readonly outShape: ImageShape;
  /** Channels added before the input's first channel (the rest after its last). */
  readonly channelBefore: number;
  readonly top: number;
  readonly left: number;
  readonly value: number;
}

export interface ReluOp extends OpBase {
  readonly kind: 'relu';
}

/** max(z, alpha z) for 0 <= alpha < 1: z where z > 0, alpha z elsewhere. */
export interface LeakyReluOp extends OpBase {
  readonly kind: 'leakyRelu';
  readonly alpha: number;
}

/** Max pooling (pads never win: they are -infinity). */
export interface MaxPoolOp extends OpBase {
  readonly kind: 'maxPool';
  readonly inShape: ImageShape;
  readonly outShape: ImageShape;
  readonly window: Window2d;
}

export type LinearOp = DenseOp | ConvOp | ScaleOp | BiasOp | AddOp | ConcatOp | AvgPoolOp | PadOp;
export type StageOp = ReluOp | LeakyReluOp | MaxPoolOp;
export type Op = LinearOp | StageOp;

export interface Graph {
  readonly kind: 'graph';
  /** The input's shape as the file gives it, batch left out ([784], [1, 28, 28], [2] ...). */
  readonly inputShape: readonly number[];
  readonly inputDim: number;
  readonly ops: readonly Op[];
  /** The tensor that is the network's output (its units: the logits). */
  readonly output: number;
}

/** The networks ReLUscope opens: an MLP (the `relu-mlp` / state_dict layout, trainable) or a graph. */
export type Network = Net | Graph;

export function isGraph(network: Network): network is Graph {
  return (network as Graph).kind === 'graph';
}

export function isStage(op: Op): op is StageOp {
  return op.kind === 'relu' || op.kind === 'leakyRelu' || op.kind === 'maxPool';
}

/** Elements of tensor t. */
export function tensorSize(graph: Graph, t: number): number {
  return t === 0 ? graph.inputDim : (graph.ops[t - 1]?.size ?? 0);
}

/** Positions of a max-pool window (its hash units per window). */
export function windowPositions(op: MaxPoolOp): number {
  return op.window.kh * op.window.kw;
}

/** Hash units of a stage (see the file's comment). */
export function stageUnits(op: StageOp): number {
  return op.kind === 'maxPool' ? op.size * windowPositions(op) : op.size;
}

/** A stage: its op, the op's index, and the number of its first hash unit. */
export interface Stage {
  readonly op: StageOp;
  readonly opIndex: number;
  readonly unitBase: number;
}

/** The stages in order, with their first unit. */
export function stagesOf(graph: Graph): Stage[] {
  const stages: Stage[] = [];
  let unitBase = 0;
  graph.ops.forEach((op, opIndex) => {
    if (!isStage(op)) return;
    stages.push({ op, opIndex, unitBase });
    unitBase += stageUnits(op);
  });
  return stages;
}

/** Hash units of all stages (an MLP's neuron count). */
export function unitCount(graph: Graph): number {
  return stagesOf(graph).reduce((sum, s) => sum + stageUnits(s.op), 0);
}

/** Piecewise-linear units: relu / leakyRelu elements and max-pool windows (what a user calls the net's neurons). */
export function neuronTotal(graph: Graph): number {
  return stagesOf(graph).reduce((sum, s) => sum + s.op.size, 0);
}

/** The output's units. */
export function graphOutputCount(graph: Graph): number {
  return tensorSize(graph, graph.output);
}

const kNetGraphs = new WeakMap<Net, Graph>();

/**
 * The MLP as a graph: dense, relu per hidden layer, then the output layer (for a net without one, outputUnit's sum
 * of the last hidden layer). Made once per net (the layers are shared, not copied).
 */
export function graphOfNet(net: Net): Graph {
  const known = kNetGraphs.get(net);
  if (known) return known;
  const ops: Op[] = [];
  net.hidden.forEach((layer, l) => {
    const input = ops.length;
    ops.push({ kind: 'dense', inputs: [input], size: layer.outDim, name: `hidden[${l}]`, layer });
    ops.push({ kind: 'relu', inputs: [input + 1], size: layer.outDim, name: `relu[${l}]` });
  });
  const output = net.output ?? outputUnit(net);
  ops.push({ kind: 'dense', inputs: [ops.length], size: output.outDim, name: 'output', layer: output });
  const graph: Graph = { kind: 'graph', inputShape: [net.inputDim], inputDim: net.inputDim, ops, output: ops.length };
  kNetGraphs.set(net, graph);
  return graph;
}

/** The graph of any network. */
export function graphOf(network: Network): Graph {
  return isGraph(network) ? network : graphOfNet(network);
}

/** Tensors read by a later op or the output: a tensor nobody reads after op i can be dropped (buffer reuse). */
export function lastUses(graph: Graph): Int32Array {
  const last = new Int32Array(graph.ops.length + 1).fill(-1);
  graph.ops.forEach((op, i) => {
    for (const t of op.inputs) last[t] = i;
  });
  last[graph.output] = graph.ops.length;
  return last;
}

/** Multiply-adds of one evaluation of op `op` (values only). */
export function opMacs(graph: Graph, op: Op): number {
  switch (op.kind) {
    case 'dense':
      return op.layer.inDim * op.layer.outDim;
    case 'conv':
      return op.size * (op.inShape[0] / op.groups) * op.window.kh * op.window.kw;
    case 'avgPool':
    case 'maxPool':
      return op.size * op.window.kh * op.window.kw;
    default:
      return op.inputs.reduce((s, t) => s + tensorSize(graph, t), 0);
  }
}

/**
 * The MLP a graph is, when it is one: dense, relu, dense, relu, ..., dense (the output), each reading the one before.
 * An MLP read from ONNX (Gemm, or MatMul + Add) is then exactly the net of its state_dict, and everything made for
 * MLPs (training, the theorem mode) takes it.
 */
export function mlpOfGraph(graph: Graph): Net | null {
  const { ops } = graph;
  if (ops.length < 3 || ops.length % 2 === 0 || graph.output !== ops.length || graph.inputShape.length !== 1)
    return null;
  const hidden: Layer[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    if (op?.inputs.length !== 1 || op.inputs[0] !== i) return null;
    if (i % 2 === 1 && op.kind !== 'relu') return null;
    if (i % 2 === 0 && op.kind !== 'dense') return null;
    if (op.kind === 'dense' && i < ops.length - 1) hidden.push(op.layer);
  }
  const last = ops.at(-1);
  return last?.kind === 'dense' ? { inputDim: graph.inputDim, hidden, output: last.layer } : null;
}

/**
 * The graph seen through a plane: a first dense op maps (u, v) to the input point o + u a + v b (its weights the
 * plane's directions, its bias the origin), and every op reads from it where it read the input. The sliced graph has
 * 2 inputs; its ops are the graph's, one tensor later.
 */
export function sliceGraph(
  graph: Graph,
  plane: { readonly o: Float64Array; readonly a: Float64Array; readonly b: Float64Array },
): Graph {
  const d = graph.inputDim;
  const weight = new Float64Array(2 * d);
  for (let i = 0; i < d; i++) {
    weight[2 * i] = plane.a[i] ?? 0;
    weight[2 * i + 1] = plane.b[i] ?? 0;
  }
  const first: DenseOp = {
    kind: 'dense',
    inputs: [0],
    size: d,
    name: 'plane',
    layer: { inDim: 2, outDim: d, weight, bias: plane.o.slice() },
  };
  const ops = graph.ops.map((op) => ({ ...op, inputs: op.inputs.map((t) => t + 1) }) as Op);
  return { kind: 'graph', inputShape: [2], inputDim: 2, ops: [first, ...ops], output: graph.output + 1 };
}

/** Stages of any network (an MLP's hidden layers): what "layers shown" counts. */
export function depthOf(network: Network): number {
  return isGraph(network) ? stagesOf(network).length : network.hidden.length;
}

/** Output units of any network (a net without an output layer shows one). */
export function outputsOf(network: Network): number {
  return isGraph(network) ? graphOutputCount(network) : (network.output?.outDim ?? 1);
}

/** Units of each stage (an MLP's widths) and their total: what a network is said to have. */
export function stageWidths(network: Network): number[] {
  return isGraph(network) ? stagesOf(network).map((s) => s.op.size) : network.hidden.map((l) => l.outDim);
}

/** Multiply-adds of one evaluation of a graph with two tangents: the unit of the GPU's cost estimates. */
export function graphEvaluationMacs(graph: Graph): number {
  return graph.ops.reduce((sum, op) => sum + 3 * opMacs(graph, op), 0);
}
