/**
 * A network graph as JSON text, exact in float64 (JSON numbers round-trip): how the command line hands a graph to its
 * browser page and the tests to theirs, `{"format": "relu-graph", "version": 1, "inputShape": [...], "output": t,
 * "ops": [...]}` with each op's fields as in src/model/graph/graph.ts (typed arrays as arrays, a dense op's layer as
 * {inDim, outDim, weight, bias}). Read back, every op is checked against the tensors before it.
 */
import type { Graph, Op } from '../graph/graph.ts';
import { tensorSize } from '../graph/graph.ts';

export class GraphFileError extends Error {}

const kArrays = ['kernel', 'bias', 'scale', 'shift', 'constant'] as const;

export function serializeGraph(graph: Graph): string {
  const ops = graph.ops.map((op) => {
    const out: Record<string, unknown> = { ...op };
    for (const key of kArrays) {
      const v = (op as unknown as Record<string, unknown>)[key];
      if (v instanceof Float64Array) out[key] = Array.from(v);
    }
    if (op.kind === 'dense') {
      const { inDim, outDim, weight, bias } = op.layer;
      out.layer = { inDim, outDim, weight: Array.from(weight), bias: Array.from(bias) };
    }
    return out;
  });
  return JSON.stringify({ format: 'relu-graph', version: 1, inputShape: graph.inputShape, output: graph.output, ops });
}

function numbers(value: unknown, where: string): Float64Array {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new GraphFileError(`${where} must be an array of finite numbers`);
  }
  return Float64Array.from(value as number[]);
}

/** Reads relu-graph JSON; throws GraphFileError naming the first problem. */
export function parseGraph(text: string): Graph {
  const value = JSON.parse(text) as Record<string, unknown>;
  if (value.format !== 'relu-graph' || value.version !== 1) throw new GraphFileError('not a relu-graph file');
  const inputShape = value.inputShape as number[];
  const inputDim = inputShape.reduce((a, b) => a * b, 1);
  const ops: Op[] = [];
  const graph: Graph = { kind: 'graph', inputShape, inputDim, ops, output: Number(value.output) };
  (value.ops as Record<string, unknown>[]).forEach((raw, i) => {
    const op = { ...raw } as Record<string, unknown>;
    for (const key of kArrays) if (key in op) op[key] = numbers(op[key], `ops[${i}].${key}`);
    if (op.kind === 'dense') {
      const layer = op.layer as Record<string, unknown>;
      op.layer = {
        ...layer,
        weight: numbers(layer.weight, `ops[${i}].weight`),
        bias: numbers(layer.bias, `ops[${i}].bias`),
      };
    }
    const inputs = op.inputs as number[];
    if (!Array.isArray(inputs) || inputs.some((t) => !(Number.isInteger(t) && t >= 0 && t <= i))) {
      throw new GraphFileError(`ops[${i}] reads a tensor not computed before it`);
    }
    ops.push(op as unknown as Op);
    if (!(tensorSize(graph, i + 1) > 0)) throw new GraphFileError(`ops[${i}] has no size`);
  });
  if (!(graph.output >= 1 && graph.output <= ops.length))
    throw new GraphFileError('the output is not a tensor of the graph');
  return graph;
}
