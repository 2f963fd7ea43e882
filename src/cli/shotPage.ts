/**
 * The browser side of the command line: the app's renderer, driven tile by tile from Node (src/cli/shooter.ts).
 * Data crosses to Node as base64 strings.
 */
import { NoWebGPUError, requestDevice } from '../gpu/device.ts';
import type { Algorithm, ColourMode, Palette } from '../gpu/layout.ts';
import { Renderer } from '../gpu/renderer.ts';
import { encodeFieldsRecords } from '../model/fieldsFile.ts';
import { parseGraph } from '../model/files/graphFile.ts';
import { netFromSafetensors } from '../model/files/netTensors.ts';
import { neuronTotal, stageWidths } from '../model/graph/graph.ts';
import { hiddenWidths, type Net, neuronCount } from '../model/net.ts';
import { mlpOnly, resolveNet } from '../model/netSource.ts';
import type { RandomNetSpec } from '../model/random.ts';
import type { View } from '../model/view.ts';

/**
 * How node hands the page a net: the random net's spec (made here, bit-identical), or the path where the harness
 * serves the net checked in node as float64 safetensors (any size, exact).
 */
export type PageNet = { random: RandomNetSpec } | { url: string } | { graphUrl: string };

export interface TileRequest {
  view: View;
  imageWidth: number;
  imageHeight: number;
  x: number;
  y: number;
  width: number;
  height: number;
  layersShown: number;
  mode: ColourMode;
  /** The output unit of the output mode. */
  outputUnit: number;
  palette: Palette;
  edgeWidth: number;
  algorithm: Algorithm;
  /** The output scale's range (the whole picture's); null: from this tile's own pixels. */
  outputRange: [number, number] | null;
  /** Top of the theorem mode's colour scale; 0: from this tile's own pixels. */
  theoremScale: number;
  /** Standard deviation of the bias density of the theorem mode (0: not given; the theorem mode then fails). */
  sigmaB: number;
  pixels: boolean;
  fields: boolean;
}

export interface TileReply {
  /** RGBA bytes, base64. */
  pixels: string;
  /** RLF1 records (src/model/fieldsFile.ts), base64. */
  fields: string;
  /** Wall-clock milliseconds of the tile in the page (rendering and reading back). */
  ms: number;
}

export interface ShotPageInfo {
  adapter: string;
  maxTextureDimension2D: number;
  maxStorageBufferBindingSize: number;
}

const state: { renderer: Renderer | null; device: GPUDevice | null; errors: string[] } = {
  renderer: null,
  device: null,
  errors: [],
};

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

async function init(): Promise<ShotPageInfo> {
  const device = await requestDevice(navigator.gpu, 'shot.device');
  device.addEventListener('uncapturederror', (event) => state.errors.push(event.error.message));
  void device.lost.then((info) => state.errors.push(`GPU device lost: ${info.message}`));
  state.device = device;
  state.renderer = await Renderer.create(device, 'rgba8unorm');
  const adapter = device.adapterInfo;
  return {
    adapter: [adapter.vendor, adapter.architecture, adapter.description].filter((s) => s).join(' '),
    maxTextureDimension2D: device.limits.maxTextureDimension2D,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
  };
}

function renderer(): Renderer {
  if (!state.renderer) throw new Error('the renderer is not ready');
  if (state.errors.length > 0) throw new Error(`GPU errors: ${state.errors.join('; ')}`);
  return state.renderer;
}

/** Uploads a net; throws with the message of what refused it (the limits, the device). */
async function setNet(source: PageNet): Promise<{ widths: number[]; neurons: number }> {
  let net: Net;
  if ('graphUrl' in source) {
    const response = await fetch(source.graphUrl);
    if (!response.ok) throw new Error(`the harness did not serve the net (${response.status})`);
    const graph = parseGraph(await response.text());
    renderer().setNet(graph);
    return { widths: stageWidths(graph), neurons: neuronTotal(graph) };
  }
  if ('url' in source) {
    const response = await fetch(source.url);
    if (!response.ok) throw new Error(`the harness did not serve the net (${response.status})`);
    net = netFromSafetensors(new Uint8Array(await response.arrayBuffer()));
  } else {
    net = mlpOnly(resolveNet({ kind: 'random', spec: source.random }), 'a random net');
  }
  renderer().setNet(net);
  return { widths: hiddenWidths(net), neurons: neuronCount(net) };
}

/**
 * The heat map's range over a tile (the first pass of a tiled picture in a heat-map mode): the least and largest
 * output in output mode, the largest integrand of the main formula in theorem mode.
 */
async function heatRange(request: TileRequest): Promise<{ output: [number, number] | null; theorem: number | null }> {
  const summary = await renderer().computeFields(
    { width: request.width, height: request.height },
    {
      view: request.view,
      layersShown: request.layersShown,
      imageSize: { width: request.imageWidth, height: request.imageHeight },
      origin: [request.x, request.y],
      mode: request.mode,
      outputUnit: request.outputUnit,
      algorithm: request.algorithm,
      sigmaB: request.sigmaB,
    },
  );
  const output = summary.outputRange;
  return { output: output ? [output[0], output[1]] : null, theorem: summary.theoremMax };
}

async function renderTile(request: TileRequest): Promise<TileReply> {
  const r = renderer();
  const size = { width: request.width, height: request.height };
  const settings = {
    view: request.view,
    layersShown: request.layersShown,
    imageSize: { width: request.imageWidth, height: request.imageHeight },
    origin: [request.x, request.y] as const,
    mode: request.mode,
    outputUnit: request.outputUnit,
    palette: request.palette,
    edgeWidth: request.edgeWidth,
    ...(request.outputRange ? { outputRange: request.outputRange } : {}),
    theoremScale: request.theoremScale,
    algorithm: request.algorithm,
    sigmaB: request.sigmaB,
  };
  const start = performance.now();
  const pixels = request.pixels ? await r.readPixels(size, settings) : new Uint8Array(0);
  let fields: Uint8Array = new Uint8Array(0);
  if (request.fields) {
    if (!request.pixels) await r.computeFields(size, settings);
    fields = encodeFieldsRecords(await r.readFields());
  }
  const ms = performance.now() - start;
  if (state.errors.length > 0) throw new Error(`GPU errors: ${state.errors.join('; ')}`);
  return { pixels: toBase64(pixels), fields: toBase64(fields), ms };
}

export interface BenchReply {
  /** Milliseconds a frame took, from encoding (with the float64 view upload) until the GPU finished it. */
  ms: number[];
  /** A frame that only recolours the stored fields. */
  colourMs: number;
  evaluations: number;
  pixels: number;
}

/** Renders the same frame `frames` times after one warm-up, recomputing the fields each time. */
async function bench(request: TileRequest & { frames: number; maxSeconds: number }): Promise<BenchReply> {
  const r = renderer();
  const texture = (state.device as GPUDevice).createTexture({
    label: 'bench.target',
    size: [request.width, request.height],
    format: 'rgba8unorm',
    usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
  });
  const settings = {
    view: request.view,
    layersShown: request.layersShown,
    mode: request.mode,
    outputUnit: request.outputUnit,
    palette: request.palette,
    edgeWidth: request.edgeWidth,
    algorithm: request.algorithm,
  };
  const ms: number[] = [];
  const started = performance.now();
  try {
    for (let f = 0; f <= request.frames; f++) {
      r.invalidateFields();
      const start = performance.now();
      await r.render(texture, settings);
      if (f > 0) ms.push(performance.now() - start);
      if (performance.now() - started > request.maxSeconds * 1000 && ms.length > 0) break;
    }
    const cost = await r.fieldsSummary();
    const start = performance.now();
    await r.render(texture, settings);
    const colourMs = performance.now() - start;
    if (state.errors.length > 0) throw new Error(`GPU errors: ${state.errors.join('; ')}`);
    return { ms, colourMs, evaluations: cost.evaluations, pixels: cost.pixels };
  } finally {
    texture.destroy();
  }
}

const ready = init().then(
  (info) => ({ ok: true as const, info }),
  (error: Error) => ({ ok: false as const, noWebGPU: error instanceof NoWebGPUError, error: error.message }),
);

Object.assign(window, { reluscopeShot: { ready, setNet, heatRange, renderTile, bench } });
