/**
 * The `relu-mlp` JSON file format (shared/notes/science.md):
 * { "format": "relu-mlp", "version": 1, "inputDim": 2, "hidden": [{ "weight": [[...]], "bias": [...] }, ...],
 *   "output": { "weight": [[...]], "bias": [...] } }   ("output" optional, linear).
 * Parsing never throws: it returns a message naming the first problem and where it is.
 */
import type { Layer, Net } from './net.ts';

export type ParseResult = { ok: true; net: Net } | { ok: false; error: string };

/** The renderer works on 2-D input planes. */
export const kInputDim = 2;

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
  return typeof value === 'string' ? `the string "${value.slice(0, 20)}"` : String(value);
}

function readNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${where} is not a finite number: ${describe(value)}`);
  return value;
}

function readLayer(value: unknown, where: string, inDim: number): Layer {
  if (!isRecord(value)) fail(`${where} must be an object with "weight" and "bias"`);
  const rows = value.weight;
  if (!Array.isArray(rows) || rows.length === 0) fail(`${where}.weight must be a non-empty array of rows`);
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
    if (value.version !== 1) fail(`"version" must be 1, found ${describe(value.version)}`);
    if (value.inputDim !== kInputDim) {
      fail(`"inputDim" must be ${kInputDim} (ReLUscope draws 2-D input planes), found ${describe(value.inputDim)}`);
    }
    const hiddenIn = value.hidden;
    if (!Array.isArray(hiddenIn) || hiddenIn.length === 0) fail('"hidden" must be a non-empty array of layers');
    const hidden: Layer[] = [];
    let inDim = kInputDim;
    hiddenIn.forEach((layerIn: unknown, l) => {
      const layer = readLayer(layerIn, `hidden[${l}]`, inDim);
      hidden.push(layer);
      inDim = layer.outDim;
    });
    const output =
      value.output === undefined || value.output === null ? null : readLayer(value.output, 'output', inDim);
    return { ok: true, net: { inputDim: kInputDim, hidden, output } };
  } catch (error) {
    if (error instanceof NetFileError) return { ok: false, error: error.message };
    throw error;
  }
}

/** Parses the text of a relu-mlp file. */
export function parseNet(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not valid JSON: ${(error as Error).message}` };
  }
  return netFromJson(value);
}

function layerToJson(layer: Layer): { weight: number[][]; bias: number[] } {
  const weight: number[][] = [];
  for (let r = 0; r < layer.outDim; r++) {
    weight.push(Array.from(layer.weight.subarray(r * layer.inDim, (r + 1) * layer.inDim)));
  }
  return { weight, bias: Array.from(layer.bias) };
}

/** The relu-mlp JSON text of a net (numbers written in full float64 precision). */
export function serializeNet(net: Net): string {
  const file = {
    format: 'relu-mlp',
    version: 1,
    inputDim: net.inputDim,
    hidden: net.hidden.map(layerToJson),
    ...(net.output ? { output: layerToJson(net.output) } : {}),
  };
  return JSON.stringify(file);
}
