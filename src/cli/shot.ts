/**
 * `npm run shot`: pictures and per-pixel data from the command line, rendered by the app's own renderer in headless
 * Chromium. One browser for all the shots of a run; the browser and the server are closed on every exit path.
 */
import { readFileSync } from 'node:fs';
import { layersShown } from '../app/settings.ts';
import { encodeFieldsFile } from '../model/fieldsFile.ts';
import { serializeNet } from '../model/netFile.ts';
import { parsePreset, presetNet } from '../model/presetSpec.ts';
import { batchEntryArgs, checkJob, kUsage, parseShotArgs, type ShotOptions, UsageError } from './args.ts';
import { type Harness, startHarness } from './harness.ts';
import { contactSheet, type Image, writeFile, writePng } from './png.ts';
import { NoWebGPUAdapterError, Shooter, type ShotRequest } from './shooter.ts';
import type { NetSource } from './shotPage.ts';

interface Written {
  path: string;
  seconds: number;
  regions: number | null;
}

class NetError extends Error {}

function suffixed(path: string, suffix: string): string {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? `${path.slice(0, dot)}${suffix}${path.slice(dot)}` : `${path}${suffix}`;
}

function netSource(options: ShotOptions): NetSource {
  if (options.netFile !== null) {
    try {
      return { json: readFileSync(options.netFile, 'utf8') };
    } catch (error) {
      throw new NetError(`cannot read ${options.netFile}: ${(error as Error).message}`);
    }
  }
  const preset = parsePreset(options.settings.net);
  if (preset !== null && typeof preset !== 'string') return { json: serializeNet(presetNet(preset)) };
  const { widths, sigmaB, seed } = options.settings;
  return { random: { widths, sigmaB, seed } };
}

function jobsOf(options: ShotOptions): ShotOptions[] {
  if (options.batch === null) {
    checkJob(options);
    return [options];
  }
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(options.batch, 'utf8'));
  } catch (error) {
    throw new UsageError(`--batch ${options.batch}: ${(error as Error).message}`);
  }
  if (!Array.isArray(entries) || entries.length === 0)
    throw new UsageError(`--batch ${options.batch}: expected a non-empty array`);
  return entries.map((entry, index) => {
    const job = parseShotArgs(batchEntryArgs(entry, index), { ...options, batch: null });
    checkJob(job);
    return job;
  });
}

class Run {
  readonly written: Written[] = [];
  private shots = 0;
  private lastSource = '';

  constructor(
    private readonly shooter: Shooter,
    private total: number,
  ) {}

  private progress(path: string, seconds: number, regions: number | null): void {
    this.shots++;
    const count = regions === null ? '' : `, ${regions} regions in view`;
    process.stderr.write(`[${this.shots}/${this.total}] ${path} (${seconds.toFixed(1)} s${count})\n`);
  }

  async job(options: ShotOptions): Promise<void> {
    const source = netSource(options);
    const key = JSON.stringify(source);
    let depth: number;
    try {
      const net = await this.shooter.setNet(source);
      depth = net.widths.length;
      if (key !== this.lastSource) process.stderr.write(`net: ${net.widths.join(',')} (${net.neurons} neurons)\n`);
    } catch (error) {
      throw new NetError(`${options.netFile ?? 'the net'}: ${(error as Error).message}`);
    }
    this.lastSource = key;
    const { settings } = options;
    if (settings.layers > depth) throw new NetError(`--layers ${settings.layers}: the net has ${depth} hidden layers`);
    const request: ShotRequest = {
      view: { cx: settings.cx, cy: settings.cy, span: settings.span },
      width: options.width,
      height: options.height,
      layersShown: layersShown(settings, depth),
      mode: settings.mode,
      palette: settings.palette,
      edgeWidth: settings.edgeWidth,
      algorithm: settings.algorithm,
      sigmaB: settings.sigmaB,
      pixels: true,
      fields: options.fieldsOut !== null || options.sweep === 'layers',
      ...(options.maxTile === null ? {} : { maxTile: options.maxTile }),
    };
    const out = options.out ?? 'out.png';
    if (options.sweep === 'layers') {
      this.total += depth; // counted as one before the depth was known: k = 1..L and the sheet
      const sheet: Image[] = [];
      for (let k = 1; k <= depth; k++) {
        const image = await this.write(
          { ...request, layersShown: k },
          suffixed(out, `-k${k}`),
          options.fieldsOut && suffixed(options.fieldsOut, `-k${k}`),
        );
        sheet.push(image);
      }
      const start = performance.now();
      const contact = contactSheet(
        sheet,
        256,
        8,
        sheet.map((_, k) => `k=${k + 1}`),
      );
      const path = suffixed(out, '-sheet');
      writePng(path, contact.width, contact.height, contact.rgba);
      this.record(path, (performance.now() - start) / 1000, null);
    } else if (options.sweep === 'zoom') {
      const frames = options.frames;
      const to = options.to ?? settings.span;
      for (let f = 0; f < frames; f++) {
        const span = settings.span * (to / settings.span) ** (frames === 1 ? 1 : f / (frames - 1));
        const name = `-${String(f + 1).padStart(4, '0')}`;
        await this.write(
          { ...request, view: { ...request.view, span } },
          suffixed(out, name),
          options.fieldsOut && suffixed(options.fieldsOut, name),
        );
      }
    } else {
      await this.write(request, out, options.fieldsOut);
    }
  }

  private async write(request: ShotRequest, path: string, fieldsPath: string | null): Promise<Image> {
    const onTile = (done: number, total: number): void => {
      process.stderr.write(`  ${path}: tile ${done}/${total}\n`);
    };
    const result = await this.shooter.shoot({ ...request, onTile });
    writePng(path, request.width, request.height, result.rgba);
    if (fieldsPath && result.fields) writeFile(fieldsPath, encodeFieldsFile(result.fields));
    this.record(path, result.seconds, result.regions);
    if (fieldsPath) this.written.push({ path: fieldsPath, seconds: 0, regions: result.regions });
    return { width: request.width, height: request.height, rgba: result.rgba };
  }

  private record(path: string, seconds: number, regions: number | null): void {
    this.written.push({ path, seconds, regions });
    this.progress(path, seconds, regions);
  }
}

function countShots(jobs: readonly ShotOptions[]): number {
  return jobs.reduce((n, job) => n + (job.sweep === 'zoom' ? job.frames : 1), 0);
}

export async function main(argv: readonly string[]): Promise<number> {
  let jobs: ShotOptions[];
  let options: ShotOptions;
  try {
    options = parseShotArgs(argv);
    if (options.help) {
      process.stdout.write(`${kUsage}\n`);
      return 0;
    }
    jobs = jobsOf(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`shot: ${error.message}\n\n${kUsage}\n`);
    return 2;
  }
  const started = performance.now();
  let harness: Harness | null = null;
  const interrupt = (signal: string): void => {
    process.stderr.write(`\nshot: ${signal}: closing the browser\n`);
    void (harness?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => interrupt('interrupted'));
  process.once('SIGTERM', () => interrupt('terminated'));
  try {
    harness = await startHarness({ gpu: options.gpu });
    const shooter = await Shooter.open(harness);
    process.stderr.write(`WebGPU adapter: ${shooter.info.adapter || 'unnamed'}\n`);
    const run = new Run(shooter, countShots(jobs));
    for (const job of jobs) await run.job(job);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`wrote ${run.written.length} files in ${seconds.toFixed(1)} s:\n`);
    for (const w of run.written) {
      const regions = w.regions === null ? '' : `  ${w.regions} regions in view`;
      process.stdout.write(`  ${w.path}${w.seconds > 0 ? `  ${w.seconds.toFixed(2)} s` : ''}${regions}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof NoWebGPUAdapterError) {
      process.stderr.write(`shot: no WebGPU adapter: ${error.message}\n`);
      return 3;
    }
    process.stderr.write(`shot: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await harness?.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
