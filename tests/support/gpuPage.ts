/**
 * Runs in Chromium (tests/support/gpu.html): exposes the renderer to the Node side of the GPU tests, which compare
 * what it returns with the float64 oracle. Any GPU error fails the call.
 */
import { requestDevice } from '../../src/gpu/device.ts';
import type { JobTuning } from '../../src/gpu/fieldsJob.ts';
import type { Algorithm, ColourMode } from '../../src/gpu/layout.ts';
import { readTexture } from '../../src/gpu/readback.ts';
import { type FieldsData, type FieldsSummary, Renderer } from '../../src/gpu/renderer.ts';
import { parseGraph } from '../../src/model/files/graphFile.ts';
import { parseNet as parseMlp } from '../../src/model/files/netFile.ts';
import type { Network } from '../../src/model/graph/graph.ts';
import { makeLayer } from '../../src/model/net.ts';
import type { View } from '../../src/model/view.ts';

/** relu-mlp JSON, or relu-graph JSON (src/model/files/graphFile.ts) for a network graph. */
function parseNet(text: string): { ok: true; net: Network } | { ok: false; error: string } {
  return text.includes('"format":"relu-graph"') ? { ok: true, net: parseGraph(text) } : parseMlp(text);
}

export interface FieldsCall {
  netJson: string;
  view: View;
  width: number;
  height: number;
  layers: number;
  computeOutput: boolean;
  algorithm: Algorithm;
  /** The colour mode the fields are for (default: output with computeOutput, else regions), e.g. `decision`. */
  mode?: ColourMode;
  /** The output unit of the output mode. */
  outputUnit?: number;
}

export interface FieldsReply {
  hashLo: number[];
  hashHi: number[];
  distance: number[];
  layer: number[];
  output: number[];
  evaluations: number;
  reusedPixels: number;
  /** The least and largest output, as the colour pass scales them (null without the output). */
  outputRange: readonly [number, number] | null;
  /** Decision mode: the distance to the decision boundary in input units (-1: none); null in other modes. */
  decisionDistance: number[] | null;
}

/** The fields settings of a call (mode and unit when given). */
function fieldsSettings(call: FieldsCall) {
  return {
    view: call.view,
    layersShown: call.layers,
    computeOutput: call.computeOutput,
    algorithm: call.algorithm,
    mode: call.mode ?? (call.computeOutput ? 'output' : 'regions'),
    outputUnit: call.outputUnit ?? 0,
  } as const;
}

const errors: string[] = [];
const renderer = (async () => {
  const device = await requestDevice(navigator.gpu, 'gpuTest.device');
  device.addEventListener('uncapturederror', (event) => errors.push(event.error.message));
  const created = await Renderer.create(device);
  // The GPU's grids only: a first grid on the CPU depends on the shaders this page compiled before (the tests that
  // want it ask for it, progressive's tuning).
  created.tuning = { cpuFirstGrid: 'never' };
  return created;
})();

/** The fields of `call`, computed after those of `before` (a view of the same net) when it is given. */
async function fields(call: FieldsCall, before?: View): Promise<FieldsReply> {
  const parsed = parseNet(call.netJson);
  if (!parsed.ok) throw new Error(parsed.error);
  const r = await renderer;
  r.setNet(parsed.net);
  const size = { width: call.width, height: call.height };
  if (before) {
    await r.computeFields(size, { ...call, view: before, layersShown: call.layers });
  }
  await r.computeFields(size, fieldsSettings(call));
  const f = await r.readFields();
  const cost = await r.fieldsSummary();
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return fieldsReply(f, cost);
}

/** The fields and their summary, as plain arrays (a page.evaluate result). */
function fieldsReply(f: FieldsData, cost: FieldsSummary): FieldsReply {
  return {
    hashLo: Array.from(f.hashLo),
    hashHi: Array.from(f.hashHi),
    distance: Array.from(f.distance, (d) => (Number.isFinite(d) ? d : -1)),
    layer: Array.from(f.layer),
    output: Array.from(f.output),
    evaluations: cost.evaluations,
    reusedPixels: cost.reusedPixels,
    outputRange: cost.outputRange,
    decisionDistance: f.decisionDistance ? Array.from(f.decisionDistance, (d) => (Number.isFinite(d) ? d : -1)) : null,
  };
}

export interface ProgressiveReply {
  /** Per stride (coarsest first), when it was completed: the pixels done and their fields. */
  stages: {
    stride: number;
    pass: string;
    done: number[];
    hashLo: number[];
    hashHi: number[];
    distance: number[];
    output: number[];
  }[];
  steps: number;
  /** After each step: the grid's stride, the pixels done, the evaluations, and the estimate of the rest's cost. */
  samples: { stride: number; pixelsDone: number; evaluations: number; restRate: number | null }[];
  final: FieldsReply;
}

/**
 * Computes `call` coarse to fine on `strides` in steps of `budgetMs` (tiny: a tile a step, a seed a tile), and
 * records what each stride had done when it completed.
 */
async function progressive(
  call: FieldsCall,
  strides: number[],
  budgetMs: number,
  tuning: JobTuning = {},
): Promise<ProgressiveReply> {
  const parsed = parseNet(call.netJson);
  if (!parsed.ok) throw new Error(parsed.error);
  const r = await renderer;
  // A first grid on the CPU only where a test asks for it (by default it depends on the shaders compiled before).
  const tuned = r.tuning;
  r.tuning = { cpuFirstGrid: 'never', ...tuning };
  try {
    return await progressiveStages(r, parsed.net, call, strides, budgetMs);
  } finally {
    r.tuning = tuned;
  }
}

async function progressiveStages(
  r: Renderer,
  net: Network,
  call: FieldsCall,
  strides: number[],
  budgetMs: number,
): Promise<ProgressiveReply> {
  r.setNet(net);
  const size = { width: call.width, height: call.height };
  const computation = await r.beginFields(size, fieldsSettings(call), strides);
  if (!computation) throw new Error('nothing to compute');
  const stages: ProgressiveReply['stages'] = [];
  const samples: ProgressiveReply['samples'] = [];
  let steps = 0;
  // A first grid done before any step (the CPU's) is a stage too.
  let initial = computation.progress;
  for (;;) {
    const progress = initial ?? (await computation.step(budgetMs));
    if (initial) initial = null;
    else steps++;
    const { stride, pixelsDone, evaluations, restRate } = progress;
    samples.push({ stride, pixelsDone, evaluations, restRate });
    if (progress.done) break;
    if (progress.strideDone) {
      const { data, done } = await r.readInProgress(computation);
      stages.push({
        stride: progress.stride,
        pass: progress.pass,
        done: Array.from(done),
        hashLo: Array.from(data.hashLo),
        hashHi: Array.from(data.hashHi),
        distance: Array.from(data.distance, (d) => (Number.isFinite(d) ? d : -1)),
        output: Array.from(data.output),
      });
    }
  }
  const f = await r.readFields();
  const cost = await r.fieldsSummary();
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return { stages, steps, samples, final: fieldsReply(f, cost) };
}

export interface ColoursReply {
  /** RGBA bytes of the picture. */
  rgba: number[];
  fields: FieldsReply;
  /** The theorem's integrand per pixel (theorem mode), and the summary's top of it. */
  theorem: number[] | null;
  theoremMax: number | null;
}

/** Renders `call` in colour mode `mode` without edges: the picture, its fields and its summary. */
async function colours(call: FieldsCall, mode: ColourMode, sigmaB: number): Promise<ColoursReply> {
  const parsed = parseNet(call.netJson);
  if (!parsed.ok) throw new Error(parsed.error);
  const r = await renderer;
  r.setNet(parsed.net);
  const size = { width: call.width, height: call.height };
  const settings = {
    view: call.view,
    layersShown: call.layers,
    algorithm: call.algorithm,
    mode,
    outputUnit: call.outputUnit ?? 0,
    palette: 'vivid',
    edgeWidth: 0,
    sigmaB,
  } as const;
  const rgba = await r.readPixels(size, settings);
  const summary = await r.fieldsSummary();
  const theorem = await r.readTheorem();
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return {
    rgba: Array.from(rgba),
    fields: fieldsReply(await r.readFields(), summary),
    theorem: theorem ? Array.from(theorem) : null,
    theoremMax: summary.theoremMax,
  };
}

/** Renders one net at sizes of the same tile count (new fields buffers each time): the bind groups kept. */
async function bindGroupsAfterResizes(netJson: string): Promise<number> {
  const parsed = parseNet(netJson);
  if (!parsed.ok) throw new Error(parsed.error);
  const r = await renderer;
  r.setNet(parsed.net);
  for (let width = 33; width <= 40; width++) {
    await r.computeFields({ width, height: 20 }, { view: { cx: 0, cy: 0, span: 2 }, layersShown: 1 });
  }
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return r.regionsBindGroups;
}

/**
 * A computation of `call` stepped once, then given up by a new net (`nextNetJson`) between two steps, as the app's
 * scheduler may do while it presents a picture; then stepped again. Returns what that step said (or threw), and the
 * fields of the new net computed after it.
 */
async function stepAfterNewNet(
  call: FieldsCall,
  nextNetJson: string,
): Promise<{ thrown: string | null; done: boolean | null; next: FieldsReply }> {
  const first = parseNet(call.netJson);
  const next = parseNet(nextNetJson);
  if (!first.ok || !next.ok) throw new Error('bad net');
  const r = await renderer;
  r.setNet(first.net);
  const size = { width: call.width, height: call.height };
  const computation = await r.beginFields(size, fieldsSettings(call), [4, 2, 1]);
  if (!computation) throw new Error('nothing to compute');
  await computation.step(1);
  r.setNet(next.net);
  let thrown: string | null = null;
  let done: boolean | null = null;
  try {
    done = (await computation.step(1)).done;
  } catch (error) {
    thrown = (error as Error).message;
  }
  await r.computeFields(size, fieldsSettings({ ...call, netJson: nextNetJson }));
  const reply = fieldsReply(await r.readFields(), await r.fieldsSummary());
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return { thrown, done, next: reply };
}

/**
 * The picture of a computation in progress once its first grid (`strides[0]`) is done, in colour mode `mode` with
 * edges of `edgeWidth`, and the finished picture: RGBA bytes of each (as the app presents them).
 */
async function previewPicture(
  call: FieldsCall,
  strides: number[],
  mode: ColourMode,
  edgeWidth: number,
): Promise<{ preview: number[]; finished: number[] }> {
  const parsed = parseNet(call.netJson);
  if (!parsed.ok) throw new Error(parsed.error);
  const r = await renderer;
  r.setNet(parsed.net);
  const size = { width: call.width, height: call.height };
  const settings = { ...fieldsSettings(call), mode, palette: 'vivid', edgeWidth } as const;
  const computation = await r.beginFields(size, settings, strides);
  if (!computation) throw new Error('nothing to compute');
  while (!(await computation.step(null)).strideDone);
  const texture = r.device.createTexture({
    size: [size.width, size.height],
    format: r.format,
    usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
  });
  const picture = async (shown: typeof computation | null): Promise<number[]> => {
    const encoder = r.device.createCommandEncoder();
    r.encodeColour(encoder, texture, settings, shown);
    r.device.queue.submit([encoder.finish()]);
    return Array.from(await readTexture(r.device, texture));
  };
  const preview = await picture(computation);
  while (!(await computation.step(null)).done);
  const finished = await picture(null);
  texture.destroy();
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return { preview, finished };
}

/**
 * A computation of `call` (mode `mode`, whose shader variant this page has not compiled yet) whose first step is taken
 * while a new net (`nextNetJson`) is set: the step begins the region-seeded pass, which waits for its shader, and the
 * new net replaces the pass's buffers meanwhile. Returns what the step threw, and the new net's fields after it.
 */
async function newNetWhileCompiling(
  call: FieldsCall,
  nextNetJson: string,
  mode: ColourMode,
): Promise<{ thrown: string | null; next: FieldsReply }> {
  const first = parseNet(call.netJson);
  const next = parseNet(nextNetJson);
  if (!first.ok || !next.ok) throw new Error('bad net');
  const r = await renderer;
  r.setNet(first.net);
  const size = { width: call.width, height: call.height };
  let thrown: string | null = null;
  // The pipeline is held back until the new net is set (its compile made slow at will).
  const device = r.device;
  const compile = device.createComputePipelineAsync.bind(device);
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let asked = false;
  device.createComputePipelineAsync = async (descriptor) => {
    asked = true;
    await held;
    return compile(descriptor);
  };
  try {
    const computation = await r.beginFields(size, { ...fieldsSettings(call), mode }, [1]);
    if (!computation) throw new Error('nothing to compute');
    const step = computation.step(null);
    while (!asked) await new Promise((resolve) => setTimeout(resolve, 5));
    r.setNet(next.net);
    release();
    await step.catch((error: Error) => {
      thrown = error.message;
    });
  } finally {
    device.createComputePipelineAsync = compile;
  }
  await r.computeFields(size, { ...fieldsSettings({ ...call, netJson: nextNetJson }), mode });
  const reply = fieldsReply(await r.readFields(), await r.fieldsSummary());
  if (errors.length > 0) throw new Error(errors.join('\n'));
  return { thrown, next: reply };
}

Object.assign(window, {
  gpuTest: {
    newNetWhileCompiling,
    previewPicture,
    fields,
    progressive,
    colours,
    bindGroupsAfterResizes,
    stepAfterNewNet,
    ready: renderer.then(() => true),
  },
});

/** setNet of a net over the default binding limit (128 MiB) on a device with default limits: the message. */
async function tooLargeMessage(): Promise<string> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('no adapter');
  const device = await adapter.requestDevice();
  const small = await Renderer.create(device);
  const hidden = [makeLayer(2, 6000), makeLayer(6000, 6000)];
  try {
    small.setNet({ inputDim: 2, hidden, output: null });
    return 'accepted';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  } finally {
    device.destroy();
  }
}

Object.assign(window, { gpuTestLimits: { tooLargeMessage } });
