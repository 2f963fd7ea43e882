/**
 * A net as named tensors, the way PyTorch names an nn.Sequential of Linear and ReLU: "0.weight" [out, in],
 * "0.bias" [out], "2.weight", ... The last Linear is the output layer; metadata {"output": "none"} marks a net
 * without one (all its Linears are hidden). This is the layout of the .safetensors files ReLUscope writes, and the
 * exact float64 form in which the command line hands a net to its browser page.
 */
import type { Layer, Net } from '../net.ts';
import { quoted } from '../quote.ts';
import { decodeSafetensors, encodeSafetensors, type Tensor } from './safetensors.ts';

/** Tensors that are not a net of Linear layers: the message names the key and the shape expected. */
export class NetTensorsError extends Error {}

function tensorsOf(layer: Layer, index: number): [string, { shape: number[]; data: Float64Array }][] {
  return [
    [`${index}.weight`, { shape: [layer.outDim, layer.inDim], data: layer.weight }],
    [`${index}.bias`, { shape: [layer.outDim], data: layer.bias }],
  ];
}

/** The net as safetensors bytes, in float64 (exact) or float32 (PyTorch's default), with more metadata if given. */
export function netToSafetensors(
  net: Net,
  dtype: 'F64' | 'F32' = 'F64',
  more: Readonly<Record<string, string>> = {},
): Uint8Array {
  const layers = [...net.hidden, ...(net.output ? [net.output] : [])];
  const tensors = new Map(layers.flatMap((layer, i) => tensorsOf(layer, 2 * i)));
  const metadata: Record<string, string> = { ...more, format: 'relu-mlp', inputDim: String(net.inputDim) };
  if (!net.output) metadata.output = 'none';
  return encodeSafetensors(tensors, dtype, metadata);
}

/** "fc10" after "fc9", "10" after "2": digit runs compare as numbers (one collator; localeCompare makes one a call). */
const naturalCompare = new Intl.Collator('en', { numeric: true }).compare;

/**
 * The net held by named tensors: `PREFIX.weight` / `PREFIX.bias` pairs in module order (the order given, or the
 * natural order of the prefixes when `sorted` is set, as in safetensors files, whose keys are sorted). Throws with a
 * message naming the key and the expected shape.
 */
export function netFromTensors(
  tensors: ReadonlyMap<string, Pick<Tensor, 'shape' | 'data'>>,
  options: { readonly sorted: boolean; readonly hasOutput: boolean },
): Net {
  // A set: a file may hold 10^5 names, which a list's includes made a quadratic loop (about 50 s).
  const named = new Set<string>();
  for (const key of tensors.keys()) {
    const match = /^(.*)\.(weight|bias)$/.exec(key);
    if (!match) {
      throw new NetTensorsError(
        `tensor ${quoted(key, 80)} is not a Linear layer's weight or bias (a net of other layers: export it to ONNX, torch.onnx.export)`,
      );
    }
    named.add(match[1] ?? '');
  }
  const prefixes = [...named];
  if (options.sorted) prefixes.sort(naturalCompare);
  if (prefixes.length === 0) throw new NetTensorsError('no tensors');
  const layers: Layer[] = [];
  for (const prefix of prefixes) {
    const weight = tensors.get(`${prefix}.weight`);
    const bias = tensors.get(`${prefix}.bias`);
    if (!weight) throw new NetTensorsError(`${quoted(`${prefix}.bias`, 80)} has no ${quoted(`${prefix}.weight`, 80)}`);
    if (weight.shape.length !== 2) {
      const kind =
        weight.shape.length === 4
          ? ' (a convolution: only Linear layers are read from a state_dict; export the model to ONNX instead, with the shape of its input: torch.onnx.export(model.eval(), torch.zeros(1, 1, 28, 28), "model.onnx"))'
          : '';
      throw new NetTensorsError(
        `${quoted(`${prefix}.weight`, 80)} has shape [${weight.shape.join(', ')}]; expected [out, in]${kind}`,
      );
    }
    const [outDim = 0, inDim = 0] = weight.shape;
    const below = layers.at(-1)?.outDim;
    if (below !== undefined && inDim !== below) {
      throw new NetTensorsError(
        `${quoted(`${prefix}.weight`, 80)} has shape [${outDim}, ${inDim}]; expected [${outDim}, ${below}] (the layer below has ${below} outputs)`,
      );
    }
    if (!bias)
      throw new NetTensorsError(
        `${quoted(`${prefix}.bias`, 80)} is missing (expected shape [${outDim}]): ReLUscope needs biases`,
      );
    if (bias.shape.length !== 1 || bias.shape[0] !== outDim) {
      throw new NetTensorsError(
        `${quoted(`${prefix}.bias`, 80)} has shape [${bias.shape.join(', ')}]; expected [${outDim}]`,
      );
    }
    layers.push({ inDim, outDim, weight: Float64Array.from(weight.data), bias: Float64Array.from(bias.data) });
  }
  const first = layers[0];
  if (!first) throw new NetTensorsError('no layers');
  const output = options.hasOutput ? (layers.pop() ?? null) : null;
  if (layers.length === 0)
    throw new NetTensorsError('one Linear layer is an output layer without hidden layers: nothing to draw');
  return { inputDim: first.inDim, hidden: layers, output };
}

/** A net from safetensors bytes written by netToSafetensors (or PyTorch's Sequential naming). */
export function netFromSafetensors(bytes: Uint8Array): Net {
  const file = decodeSafetensors(bytes);
  return netFromTensors(file.tensors, { sorted: true, hasOutput: file.metadata.output !== 'none' });
}
