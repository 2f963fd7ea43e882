/**
 * `npm run shot`: pictures and per-pixel data from the command line, rendered by the app's own renderer in headless
 * Chromium. Everything that can be checked is checked before the browser starts (arguments, nets, output paths);
 * one browser serves all the shots of a run; the files are written all or nothing at the end (outputs.ts).
 */
import { join } from 'node:path';
import { kMaxOutputs } from '../gpu/layout.ts';
import { encodeFieldsFile } from '../model/fieldsFile.ts';
import { counted } from '../model/format.ts';
import { depthOf, isGraph, type Network, outputsOf } from '../model/graph/graph.ts';
import { MnistSampleError } from '../model/mnist.ts';
import { NetError, resolveNet } from '../model/netSource.ts';
import { type Plane, PlaneError, type SlicedNet, seeNetworkThrough, seeThrough, viewOfMarks } from '../model/plane.ts';
import { escaped } from '../model/quote.ts';
import type { RandomNetSpec } from '../model/random.ts';
import { layersShown } from '../settings/settings.ts';
import { parseCommand, UsageError, usage } from './commandLine.ts';
import type { Harness } from './harness.ts';
import { handleSignals, stopping } from './lifecycle.ts';
import { nodeDigits } from './mnistFiles.ts';
import { netSource, readBounded } from './netChoice.ts';
import { checkOutputPaths, OutputError, Outputs } from './outputs.ts';
import { contactSheet, drawMarks, drawPoints, encodePng, type Image, labelChars } from './png.ts';
import { type RunCheckpoint, readCheckpoint, readRunFolder, runView } from './runFolder.ts';
import { Shooter, type ShotRequest } from './shooter.ts';
import { batchEntry, checkJob, kShotCommand, type ShotOptions, shotOptions } from './shotArgs.ts';
import { WebGpuUnavailableError } from './webGpuUnavailable.ts';

/** A shot with its net resolved in node and the files it will write. */
interface Job {
  readonly options: ShotOptions;
  readonly net: Network;
  /** The spec `net` is made from when it is a random net as drawn (the page makes it), else null (sent as bytes). */
  readonly random: RandomNetSpec | null;
  /** The slice the net is seen through; its data points are marked on the pictures. */
  readonly plane: Plane | null;
  /** Identifies the net: consecutive jobs of the same net upload it once. */
  readonly key: string;
  readonly files: string[];
  /** A checkpoint sweep: the run's checkpoints (`net` is the first one's, for the checks). */
  readonly checkpoints?: readonly RunCheckpoint[];
  /** The run's 2-D training points, [x, y, class], drawn on its pictures. */
  readonly points?: readonly (readonly [number, number, number])[];
}

function suffixed(path: string, suffix: string): string {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? `${path.slice(0, dot)}${suffix}${path.slice(dot)}` : `${path}${suffix}`;
}

const frameName = (f: number): string => `-${String(f + 1).padStart(4, '0')}`;

/** The files a job writes, in order (a sweep writes one per layer or frame, and a sheet). */
function filesOf(options: ShotOptions, depth: number): string[] {
  const out = options.out ?? 'out.png';
  const fields = options.fieldsOut;
  const pair = (suffix: string): string[] =>
    [suffixed(out, suffix), ...(fields ? [suffixed(fields, suffix)] : [])].filter((p) => p !== '');
  if (options.sweep === 'layers') {
    return [...Array.from({ length: depth }, (_, k) => pair(`-k${k + 1}`)).flat(), suffixed(out, '-sheet')];
  }
  if (options.sweep === 'zoom') return Array.from({ length: options.frames }, (_, f) => pair(frameName(f))).flat();
  return pair('');
}

/** Every job of the command line: itself, or the entries of its --batch file over it. Null for --help. */
async function optionsOf(argv: readonly string[]): Promise<ShotOptions[] | null> {
  const values = parseCommand(kShotCommand, argv);
  if (values.help) return null;
  const options = shotOptions(values);
  if (options.batch === null) {
    checkJob(options);
    return [options];
  }
  let entries: unknown;
  try {
    const bytes = await readBounded(options.batch, 16 * 2 ** 20);
    entries = JSON.parse(new TextDecoder().decode(bytes).replace(/^\ufeff/, ''));
  } catch (error) {
    throw new UsageError(`--batch: ${escaped((error as Error).message, 160)}`);
  }
  if (!Array.isArray(entries) || entries.length === 0) throw new UsageError('--batch: expected a non-empty array');
  return entries.map((entry, index) => batchEntry(entry, index, options));
}

/** What the flags ask of the net: the layers shown, the output unit, the decision mode's outputs. */
function checkAgainstNet(options: ShotOptions, net: Network): void {
  const depth = depthOf(net);
  if (options.settings.layers > depth) {
    throw new UsageError(`--layers ${options.settings.layers}: the net has ${counted(depth, 'hidden layer')}`);
  }
  if (isGraph(net) && options.settings.mode === 'theorem') {
    throw new UsageError('--mode theorem: the theorem mode applies to MLPs only (this network is a graph)');
  }
  const units = outputsOf(net);
  if (options.settings.unit >= units) {
    throw new UsageError(`--unit ${options.settings.unit}: the net has ${counted(units, 'output unit')}`);
  }
  if (options.settings.mode === 'decision' && units > kMaxOutputs) {
    throw new UsageError(`--mode decision: the net has ${units} output units; the argmax is of ${kMaxOutputs} at most`);
  }
}

/** A checkpoint seen through the job's plane (an MNIST net: the plane through three test images by default). */
async function checkpointNet(path: string, plane: string): Promise<SlicedNet> {
  return seeThrough(await readCheckpoint(path), plane, nodeDigits);
}

/**
 * `--run DIR --sweep checkpoints`: one picture per checkpoint written, all of one view: the run's (the probes' view
 * of a 2-D set) unless --center/--span name one; a net of more inputs is framed on its plane's marks.
 */
async function runJob(options: ShotOptions, dir: string): Promise<Job> {
  const { run, checkpoints, points } = await readRunFolder(dir);
  const first = await checkpointNet(checkpoints[0]?.path ?? '', options.settings.plane);
  const aspect = options.width / options.height;
  if (!options.viewGiven) {
    const framed = (run.inputDim === 2 ? runView(run, dir, aspect) : null) ?? viewOfMarks(first.plane, aspect);
    if (framed) options.settings = { ...options.settings, ...framed };
  }
  checkAgainstNet(options, first.net);
  const out = options.out ?? join(dir, 'partition.png');
  const files = [...checkpoints.map((c) => suffixed(out, `-step-${c.step}`)), suffixed(out, '-sheet')];
  return { options, random: null, net: first.net, plane: first.plane, key: `run:${dir}`, files, checkpoints, points };
}

/** Resolves every job's net (each source once) and checks what depends on it: the layers asked for, the files. */
async function prepare(all: readonly ShotOptions[]): Promise<Job[]> {
  const nets = new Map<string, { random: RandomNetSpec | null; net: Network; plane: Plane | null }>();
  const jobs: Job[] = [];
  for (const options of all) {
    if (options.run !== null) {
      jobs.push(await runJob(options, options.run));
      continue;
    }
    const { widths, sigmaB, seed, outputs, net, plane } = options.settings;
    const key = `${
      options.netFile !== null
        ? `file:${options.netFile}`
        : net !== ''
          ? `preset:${net}`
          : `random:${JSON.stringify([widths, sigmaB, seed, outputs])}`
    } plane:${plane}`;
    let resolved = nets.get(key);
    if (!resolved) {
      const source = await netSource(options.netFile, options.settings);
      const sliced = seeNetworkThrough(resolveNet(source), plane, nodeDigits);
      // A sliced net goes to the page as its exact float64 bytes.
      const random = source.kind === 'random' && !sliced.plane ? source.spec : null;
      resolved = { random, net: sliced.net, plane: sliced.plane };
      nets.set(key, resolved);
    }
    const framed = options.viewGiven ? null : viewOfMarks(resolved.plane, options.width / options.height);
    if (framed) options.settings = { ...options.settings, ...framed };
    checkAgainstNet(options, resolved.net);
    jobs.push({ options, ...resolved, key, files: filesOf(options, depthOf(resolved.net)) });
  }
  const problem = checkOutputPaths(jobs.flatMap((job) => job.files));
  if (problem) throw new UsageError(problem);
  return jobs;
}

function requestOf(options: ShotOptions, depth: number): ShotRequest {
  const { settings } = options;
  return {
    view: { cx: settings.cx, cy: settings.cy, span: settings.span },
    width: options.width,
    height: options.height,
    layersShown: layersShown(settings, depth),
    mode: settings.mode,
    outputUnit: settings.unit,
    palette: settings.palette,
    edgeWidth: settings.edgeWidth,
    algorithm: settings.algorithm,
    sigmaB: settings.sigmaB,
    pixels: true,
    fields: options.fieldsOut !== null || options.sweep === 'layers' || options.sweep === 'checkpoints',
    ...(options.maxTile === null ? {} : { maxTile: options.maxTile }),
  };
}

class Run {
  readonly summary: { path: string; seconds: number; patterns: number | null }[] = [];
  private done = 0;
  private lastKey = '';
  private plane: Plane | null = null;
  private points: readonly (readonly [number, number, number])[] = [];

  constructor(
    private readonly shooter: Shooter,
    private readonly outputs: Outputs,
    private readonly total: number,
  ) {}

  async job(job: Job): Promise<void> {
    this.plane = job.plane;
    this.points = job.points ?? [];
    if (job.checkpoints) {
      await this.checkpoints(job, job.checkpoints);
      return;
    }
    if (job.key !== this.lastKey) {
      const shown = await this.shooter.setNet(job.net, job.random);
      process.stderr.write(`net: ${shown.widths.join(',')} (${counted(shown.neurons, 'neuron')})\n`);
      this.lastKey = job.key;
    }
    const { options } = job;
    const depth = depthOf(job.net);
    const request = requestOf(options, depth);
    const out = options.out ?? 'out.png';
    const fields = options.fieldsOut;
    if (options.sweep === 'layers') {
      const sheet: Image[] = [];
      for (let k = 1; k <= depth; k++) {
        const name = `-k${k}`;
        sheet.push(
          await this.shoot({ ...request, layersShown: k }, suffixed(out, name), fields && suffixed(fields, name)),
        );
      }
      const start = performance.now();
      const labels = sheet.map((_, k) => `k=${k + 1}`);
      const contact = contactSheet(sheet, 256, 8, labels);
      const path = suffixed(out, '-sheet');
      this.outputs.stage(path, encodePng(contact.width, contact.height, contact.rgba));
      this.record(path, (performance.now() - start) / 1000, null);
    } else if (options.sweep === 'zoom') {
      const { span } = request.view;
      const to = options.to ?? span;
      for (let f = 0; f < options.frames; f++) {
        const frameSpan = span * (to / span) ** (options.frames === 1 ? 1 : f / (options.frames - 1));
        const name = frameName(f);
        const frame = { ...request, view: { ...request.view, span: frameSpan } };
        await this.shoot(frame, suffixed(out, name), fields && suffixed(fields, name));
      }
    } else {
      await this.shoot(request, out, fields);
    }
  }

  /** One picture per checkpoint, each net uploaded in turn, and a contact sheet labelled with the steps. */
  private async checkpoints(job: Job, checkpoints: readonly RunCheckpoint[]): Promise<void> {
    const { options } = job;
    const out = options.out ?? 'out.png';
    const sheet: Image[] = [];
    for (const checkpoint of checkpoints) {
      const sliced = await checkpointNet(checkpoint.path, options.settings.plane);
      this.plane = sliced.plane;
      await this.shooter.setNet(sliced.net);
      this.lastKey = '';
      const request = requestOf(options, sliced.net.hidden.length);
      sheet.push(await this.shoot(request, suffixed(out, `-step-${checkpoint.step}`), null));
    }
    const start = performance.now();
    // The longest label that fits: "step 250 (ep 2)", else "step 250", else "250".
    const fit = labelChars(options.width);
    const labels = checkpoints.map((c) => [c.label, `step ${c.step}`].find((l) => l.length <= fit) ?? String(c.step));
    const contact = contactSheet(sheet, 256, 8, labels);
    const path = suffixed(out, '-sheet');
    this.outputs.stage(path, encodePng(contact.width, contact.height, contact.rgba));
    this.record(path, (performance.now() - start) / 1000, null);
  }

  private async shoot(request: ShotRequest, path: string, fieldsPath: string | null): Promise<Image> {
    const onTile = (done: number, total: number): void => {
      process.stderr.write(`  ${path}: tile ${done}/${total}\n`);
    };
    const result = await this.shooter.shoot({ ...request, onTile });
    const image = { width: request.width, height: request.height, rgba: result.rgba };
    drawPoints(image, this.toPixels(request, this.points));
    drawMarks(image, this.marks(request));
    this.outputs.stage(path, encodePng(request.width, request.height, result.rgba));
    this.record(path, result.seconds, result.patterns);
    if (fieldsPath && result.fields) {
      this.outputs.stage(fieldsPath, encodeFieldsFile(result.fields));
      this.summary.push({ path: fieldsPath, seconds: 0, patterns: result.patterns });
    }
    return { width: request.width, height: request.height, rgba: result.rgba };
  }

  /** Pixel positions of the plane's data points in the picture of `request`. */
  private marks(request: ShotRequest): [number, number][] {
    return this.toPixels(
      request,
      (this.plane?.marks ?? []).map((m) => [m.u, m.v, 0] as const),
    ).map(([x, y]) => [x, y]);
  }

  /** [u, v, tag] points of the view as [x, y, tag] pixel positions of the picture of `request`. */
  private toPixels(
    request: ShotRequest,
    points: readonly (readonly [number, number, number])[],
  ): [number, number, number][] {
    const { cx, cy, span } = request.view;
    const s = span / request.width;
    return points.map(([u, v, tag]) => [
      (u - cx) / s + request.width / 2 - 0.5,
      request.height / 2 - (v - cy) / s - 0.5,
      tag,
    ]);
  }

  private record(path: string, seconds: number, patterns: number | null): void {
    this.summary.push({ path, seconds, patterns });
    this.done++;
    const count = patterns === null ? '' : `, ${distinctPatterns(patterns)}`;
    process.stderr.write(`[${this.done}/${this.total}] ${path} (${seconds.toFixed(1)} s${count})\n`);
  }
}

/**
 * What a picture shows of the partition: its pixels' distinct activation patterns, at most the exact number of
 * regions in view (regions too small to hold a pixel centre are missed; train and analyze count the exact polygons).
 */
function distinctPatterns(count: number): string {
  return `${counted(count, 'distinct pattern')} among the pixels`;
}

/** Shots (PNG files) a job makes: its files less the fields files. */
function shotsOf(job: Job): number {
  return job.files.filter((f) => f.endsWith('.png')).length;
}

export async function main(argv: readonly string[]): Promise<number> {
  handleSignals('shot');
  let jobs: Job[];
  try {
    const all = await optionsOf(argv);
    if (all === null) {
      process.stdout.write(`${usage(kShotCommand)}\n`);
      return 0;
    }
    jobs = await prepare(all);
  } catch (error) {
    if (error instanceof UsageError || error instanceof MnistSampleError) {
      process.stderr.write(`shot: ${error.message}\n${usage(kShotCommand)}\n`);
      return 2;
    }
    if (error instanceof NetError || error instanceof PlaneError) {
      process.stderr.write(`shot: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const started = performance.now();
  const outputs = new Outputs();
  let harness: Harness | null = null;
  try {
    // Loaded only now: Vite and puppeteer take a second to import, and bad arguments are answered before that.
    const { startHarness } = await import('./harness.ts');
    harness = await startHarness({ gpu: jobs[0]?.options.gpu ?? false });
    const shooter = await Shooter.open(harness);
    process.stderr.write(`WebGPU adapter: ${shooter.info.adapter || 'unnamed'}\n`);
    const run = new Run(
      shooter,
      outputs,
      jobs.reduce((n, job) => n + shotsOf(job), 0),
    );
    for (const job of jobs) await run.job(job);
    outputs.commit();
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`wrote ${counted(run.summary.length, 'file')} in ${seconds.toFixed(1)} s:\n`);
    for (const w of run.summary) {
      const patterns = w.patterns === null ? '' : `  ${distinctPatterns(w.patterns)}`;
      process.stdout.write(`  ${w.path}${w.seconds > 0 ? `  ${w.seconds.toFixed(2)} s` : ''}${patterns}\n`);
    }
    return 0;
  } catch (error) {
    outputs.abort();
    if (stopping()) return 1;
    if (error instanceof WebGpuUnavailableError) {
      process.stderr.write(`shot: ${error.message}\n`);
      return 3;
    }
    const message = (error as Error).message;
    const browserGone = !(error instanceof OutputError) && harness !== null && !harness.browser.connected;
    process.stderr.write(`shot: ${browserGone ? `the browser exited (${message})` : message}\n`);
    return 1;
  } finally {
    await harness?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
