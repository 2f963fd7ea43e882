/**
 * The `relu-mlp` JSON file format (docs/science.md, "The relu-mlp net file"):
 * { "format": "relu-mlp", "version": 1, "inputDim": 2, "hidden": [{ "weight": [[...]], "bias": [...] }, ...],
 *   "output": { "weight": [[...]], "bias": [...] } }   ("output" optional, linear).
 * Parsing never throws: it returns a message naming the first problem and where it is.
 */

import { isGraph, type Network } from '../graph/graph.ts';
import { kNetLimits, netLimitProblem } from '../limits.ts';
import type { Layer, Net } from '../net.ts';
import { escaped, quoted } from '../quote.ts';
import { parseGraph } from './graphFile.ts';
import { type BinaryNetFormat, binaryNetFormat, kBinaryFormatNames, readBinaryNet } from './netBinary.ts';

export type ParseResult = { ok: true; net: Net } | { ok: false; error: string };
/** A file's network: an MLP, or (ONNX) any graph of the operations src/model/graph/graph.ts lists. */
export type NetworkParseResult = { ok: true; net: Network } | { ok: false; error: string };

/** The input dimension of the nets ReLUscope makes (random, presets): the plane itself. */
export const kInputDim = 2;
/** The largest input dimension read (a net of higher dimension is seen through a 2-D slice, src/model/plane.ts). */
export const kMaxInputDim = kNetLimits.maxInputDim;

class NetFileError extends Error {}

function fail(message: string): never {
  throw new NetFileError(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null (a NaN or infinity written by JSON.stringify?)';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value === 'string' ? `the string ${quoted(value, 20)}` : escaped(String(value), 40);
}

function readNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${where} is not a finite number: ${describe(value)}`);
  return value;
}

/** Every key of `value` must be one of `known`: a key this reader does not know is refused, never ignored. */
function checkKeys(value: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) fail(`${where}unknown key ${quoted(key, 40)} (known: ${known.join(', ')})`);
  }
}

const kFileKeys = ['format', 'version', 'inputDim', 'hidden', 'output', 'activation', 'metadata'];

function readLayer(value: unknown, where: string, inDim: number): Layer {
  if (!isRecord(value)) fail(`${where} must be an object with "weight" and "bias"`);
  checkKeys(value, ['weight', 'bias'], `${where}: `);
  const rows = value.weight;
  // An empty one is a layer of no neurons, refused by netLimitProblem as in every other format.
  if (!Array.isArray(rows)) fail(`${where}.weight must be an array of rows`);
  const outDim = rows.length;
  const weight = new Float64Array(outDim * inDim);
  rows.forEach((row: unknown, r) => {
    if (!Array.isArray(row)) fail(`${where}.weight[${r}] must be an array`);
    if (row.length !== inDim) {
      fail(`${where}.weight[${r}] has ${row.length} entries, expected ${inDim} (the width of the layer below)`);
    }
    row.forEach((w: unknown, c) => {
      weight[r * inDim + c] = readNumber(w, `${where}.weight[${r}][${c}]`);
    });
  });
  const biasIn = value.bias;
  if (!Array.isArray(biasIn)) fail(`${where}.bias must be an array`);
  if (biasIn.length !== outDim) fail(`${where}.bias has ${biasIn.length} entries, expected ${outDim} (rows of weight)`);
  const bias = Float64Array.from(biasIn, (b: unknown, i) => readNumber(b, `${where}.bias[${i}]`));
  return { inDim, outDim, weight, bias };
}

/** Validates a parsed JSON value as a relu-mlp net. */
export function netFromJson(value: unknown): ParseResult {
  try {
    if (!isRecord(value)) fail('the file is not a JSON object');
    if (value.format !== 'relu-mlp') fail(`"format" must be "relu-mlp", found ${describe(value.format)}`);
    checkKeys(value, kFileKeys, '');
    if (value.activation !== undefined && value.activation !== 'relu') {
      fail(`"activation" is ${describe(value.activation)}: ReLUscope draws ReLU nets only ("relu")`);
    }
    if (value.metadata !== undefined && !isRecord(value.metadata)) fail('"metadata" must be an object');
    if (value.version !== 1) fail(`"version" must be 1, found ${describe(value.version)}`);
    const inputDim = value.inputDim;
    if (typeof inputDim !== 'number' || !Number.isInteger(inputDim) || inputDim < 2 || inputDim > kMaxInputDim) {
      fail(`"inputDim" must be an integer from 2 to ${kMaxInputDim}, found ${describe(inputDim)}`);
    }
    const hiddenIn = value.hidden;
    if (!Array.isArray(hiddenIn) || hiddenIn.length === 0) fail('"hidden" must be a non-empty array of layers');
    const hidden: Layer[] = [];
    let inDim = inputDim;
    hiddenIn.forEach((layerIn: unknown, l) => {
      const layer = readLayer(layerIn, `hidden[${l}]`, inDim);
      hidden.push(layer);
      inDim = layer.outDim;
    });
    const output =
      value.output === undefined || value.output === null ? null : readLayer(value.output, 'output', inDim);
    const net = { inputDim, hidden, output };
    const problem = netLimitProblem(net);
    if (problem) fail(problem);
    return { ok: true, net };
  } catch (error) {
    if (error instanceof NetFileError) return { ok: false, error: error.message };
    throw error;
  }
}

/** Parses the text of a relu-mlp file (a leading byte-order mark is skipped). */
export function parseNet(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\ufeff') ? text.slice(1) : text);
  } catch (error) {
    return { ok: false, error: `not valid JSON: ${escaped((error as Error).message, 160)}` };
  }
  return netFromJson(value);
}

/** What a file's extension promises (a name of kBinaryFormatNames), for the message when the content differs. */
const kNamedFormats: Readonly<Record<string, string>> = {
  pt: 'PyTorch file',
  pth: 'PyTorch file',
  safetensors: 'safetensors file',
  onnx: 'ONNX file',
};

/**
 * A file that `name` (as messages quote it) calls a PyTorch or safetensors file but whose content is another
 * format, and could not be read: the message says what the name promised and what the content is. The content
 * decides how a file is read; the name only explains the failure.
 */
function misnamed(name: string, bytes: Uint8Array, format: BinaryNetFormat | null, error: string): string | null {
  const extension = /\.(pth?|safetensors|onnx)"?$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  const expected = kNamedFormats[extension];
  const found = format === null ? null : kBinaryFormatNames[format];
  if (!expected || found === expected) return null;
  const article = (format: string): string => (/^[aeiouAEIOU]/.test(format) ? 'an' : 'a');
  const said = `the name (.${extension}) says ${article(expected)} ${expected}, but the content is`;
  if (found !== null) return `${said} ${article(found)} ${found}: ${error.replace(`${found}: `, '')}`;
  if (!bytes.subarray(0, 4096).includes(0)) return `${said} text, read as relu-mlp JSON: ${error}`;
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${said} binary data of no format read here (its first bytes: ${head})`;
}

/**
 * Parses the bytes of a net file: a PyTorch state_dict (.pt, .pth) or a safetensors file, told by their first bytes
 * (netBinary.ts), else relu-mlp UTF-8 JSON. A binary file of no known format gets a message, not its bytes echoed.
 * `name`, the file's name as messages quote it, only explains a failure (a .pt that holds text).
 */
export function parseNetBytes(bytes: Uint8Array, name = ''): NetworkParseResult {
  const format = binaryNetFormat(bytes);
  const result = parseAs(bytes, format);
  if (result.ok) return result;
  return { ok: false, error: misnamed(name, bytes, format, result.error) ?? result.error };
}

function parseAs(bytes: Uint8Array, format: BinaryNetFormat | null): NetworkParseResult {
  if (format !== null) {
    const read = readBinaryNet(bytes, format);
    if (!read.ok) return read;
    const problem = isGraph(read.net) ? null : netLimitProblem(read.net);
    return problem ? { ok: false, error: `${kBinaryFormatNames[format]}: ${problem}` } : read;
  }
  const nul = bytes.subarray(0, 4096).indexOf(0);
  if (nul >= 0) {
    const expected = 'expected relu-mlp JSON, a PyTorch state_dict, safetensors or ONNX';
    return { ok: false, error: `not a text file (a zero byte at offset ${nul}): ${expected}` };
  }
  if (bytes.byteLength > kNetLimits.maxJsonChars) {
    return {
      ok: false,
      error: `${bytes.byteLength} bytes is too long for JSON text (at most ${kNetLimits.maxJsonChars})`,
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, error: 'not UTF-8 text (a binary file?): expected relu-mlp JSON' };
  }
  // A graph as exact JSON (what the app stores for a loaded ONNX file).
  if (/^\s*\{\s*"format"\s*:\s*"relu-graph"/.test(text)) {
    try {
      return { ok: true, net: parseGraph(text) };
    } catch (error) {
      return { ok: false, error: `relu-graph JSON: ${escaped((error as Error).message, 160)}` };
    }
  }
  return parseNet(text);
}

function layerToJson(layer: Layer): { weight: number[][]; bias: number[] } {
  const weight: number[][] = [];
  for (let r = 0; r < layer.outDim; r++) {
    weight.push(Array.from(layer.weight.subarray(r * layer.inDim, (r + 1) * layer.inDim)));
  }
  return { weight, bias: Array.from(layer.bias) };
}

/**
 * The relu-mlp JSON text of a net (numbers written in full float64 precision), with a "metadata" object if given
 * (written before the layers, so that a reader finds it in the first bytes).
 */
export function serializeNet(net: Net, metadata?: Readonly<Record<string, string | number>>): string {
  const file = {
    format: 'relu-mlp',
    version: 1,
    ...(metadata ? { metadata } : {}),
    inputDim: net.inputDim,
    hidden: net.hidden.map(layerToJson),
    ...(net.output ? { output: layerToJson(net.output) } : {}),
  };
  return JSON.stringify(file);
}

/** parseNetBytes for the places that take MLPs only (training, its checkpoints): a graph gets a message. */
export function parseMlpBytes(bytes: Uint8Array, name = ''): ParseResult {
  const result = parseNetBytes(bytes, name);
  if (!result.ok || !isGraph(result.net)) return result as ParseResult;
  return { ok: false, error: 'the network is not an MLP (Linear and ReLU layers only); this takes MLPs only' };
}
