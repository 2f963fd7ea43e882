/**
 * A training run's folder (`npm run train --out DIR`) as `shot --run DIR --sweep checkpoints` reads it: run.json for
 * the view, metrics.json for the checkpoints written (an interrupted run has fewer than planned), step-N.json each.
 * Every file must be of run.json's run (its id in each file): files of another run are refused.
 */
import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { kNetLimits } from '../model/limits.ts';
import type { Net } from '../model/net.ts';
import { mlpOnly, NetError, resolveNet } from '../model/netSource.ts';
import { escaped, quoted } from '../model/quote.ts';
import { kSettingsTable } from '../settings/settings.ts';
import { readBounded } from './netChoice.ts';
import { checkpointName, type RunFile } from './trainFiles.ts';

export interface RunCheckpoint {
  readonly step: number;
  /** The label on the contact sheet: "step 0 (init)", "step 250 (ep 2)", "step 2000 (end)". */
  readonly label: string;
  /** Its step-N.json, read when it is drawn (a run of large nets holds gigabytes of checkpoints). */
  readonly path: string;
}

export interface RunFolder {
  readonly run: RunFile;
  readonly checkpoints: RunCheckpoint[];
  /** The training points of a 2-D set (data.json) as [x, y, class]; empty for MNIST. */
  readonly points: [number, number, number][];
}

async function readJson(path: string): Promise<unknown> {
  const bytes = await readBounded(path, 64 * 2 ** 20);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    // JSON.parse's message quotes the text it failed on: escaped, like every value from outside.
    throw new NetError(`${quoted(path, 200)} is not JSON: ${escaped((error as Error).message, 100)}`);
  }
}

export function checkpointLabel(step: number, run: RunFile): string {
  if (step === 0) return 'step 0 (init)';
  if (step === run.totalSteps) return `step ${step} (end)`;
  if (step % run.stepsPerEpoch === 0) return `step ${step} (ep ${step / run.stepsPerEpoch})`;
  return `step ${step}`;
}

/** A sentence, not an errno, when `dir` is no folder of a run. */
function checkFolder(dir: string): void {
  const name = quoted(dir, 200);
  const stats = statSync(dir, { throwIfNoEntry: false });
  const what = '--run takes the folder that npm run train --out wrote';
  if (!stats) throw new NetError(`${name} does not exist: ${what}`);
  if (!stats.isDirectory()) throw new NetError(`${name} is not a folder: ${what}`);
  if (!existsSync(join(dir, 'run.json'))) throw new NetError(`${name} holds no run.json: ${what}`);
}

/** Reads the folder; throws NetError with a message naming the file. */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  checkFolder(dir);
  const run = (await readJson(join(dir, 'run.json'))) as RunFile;
  const probes: unknown = run?.probes;
  if (
    run?.format !== 'reluscope-train-run' ||
    !Number.isInteger(run.stepsPerEpoch) ||
    typeof probes !== 'object' ||
    probes === null
  ) {
    throw new NetError(`${quoted(join(dir, 'run.json'), 200)} is not the run.json of npm run train`);
  }
  const rows = await readJson(join(dir, 'metrics.json'));
  const steps = Array.isArray(rows) ? rows.map((r) => (r as { step?: unknown })?.step) : [];
  if (steps.length === 0 || !steps.every((s): s is number => Number.isInteger(s))) {
    throw new NetError(`${quoted(join(dir, 'metrics.json'), 200)} lists no checkpoints`);
  }
  const checkpoints = steps.map((step) => ({
    step,
    label: checkpointLabel(step, run),
    path: join(dir, checkpointName(step)),
  }));
  // run.json of a run before run ids (none): nothing to check.
  const id = typeof run.run === 'string' ? run.run : null;
  if (id !== null) {
    const ids = (rows as { run?: unknown }[]).map((r) => r?.run);
    if (!ids.every((r) => r === id))
      throw otherRun(
        join(dir, 'metrics.json'),
        ids.find((r) => r !== id),
        id,
      );
    for (const { path } of checkpoints) {
      const written = await checkpointRun(path);
      if (written !== undefined && written !== id) throw otherRun(path, written, id);
    }
  }
  return { run, checkpoints, points: run.inputDim === 2 ? await trainingPoints(join(dir, 'data.json'), id) : [] };
}

function otherRun(path: string, written: unknown, id: string): NetError {
  const by = typeof written === 'string' ? `run ${quoted(written, 20)}` : 'no run id';
  return new NetError(`${quoted(path, 200)} is of ${by}, not of run.json's run ${id}: two runs wrote into the folder`);
}

/**
 * The run id in a checkpoint's "metadata" (npm run train writes it first: the first bytes tell), null for none;
 * undefined when the file cannot be read (reading it to draw it says why).
 */
async function checkpointRun(path: string): Promise<string | null | undefined> {
  try {
    const file = await open(path, 'r');
    try {
      const head = new Uint8Array(256);
      const { bytesRead } = await file.read(head, 0, head.length, 0);
      const text = new TextDecoder().decode(head.subarray(0, bytesRead));
      return /^\{"format":"relu-mlp","version":1,"metadata":\{"run":"([0-9a-f]{1,32})"/.exec(text)?.[1] ?? null;
    } finally {
      await file.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The run's view (its probes' rectangle) framed for a picture of `aspect` (width / height), checked by the parsers
 * of --center and --span (src/settings/settings.ts); null when the run has none (MNIST).
 */
export function runView(run: RunFile, dir: string, aspect: number): { cx: number; cy: number; span: number } | null {
  const rect: unknown = run.probes.view;
  if (rect === null) return null;
  const file = quoted(join(dir, 'run.json'), 200);
  const { x0, y0, x1, y1 } = (typeof rect === 'object' ? rect : {}) as Record<string, unknown>;
  if (![x0, y0, x1, y1].every((c) => typeof c === 'number')) {
    const json = escaped(JSON.stringify(rect) ?? '', 120);
    throw new NetError(`${file}: its view ${json} is not {"x0": X, "y0": Y, "x1": X, "y1": Y}`);
  }
  const [left, bottom, right, top] = [x0, y0, x1, y1] as number[] as [number, number, number, number];
  // Not JSON.stringify: it writes an overflow to Infinity (1e999) as null.
  const shown = `${file}: its view x0 ${left}, y0 ${bottom}, x1 ${right}, y1 ${top}`;
  const view = {
    cx: (left + right) / 2,
    cy: (bottom + top) / 2,
    span: Math.max(right - left, (top - bottom) * aspect),
  };
  // Its width and height must be spans too: a rectangle upside down is refused, not framed by its other side.
  const checks = [...Object.entries(view), ['span', right - left], ['span', top - bottom]] as const;
  for (const [key, value] of checks) {
    const parsed = kSettingsTable[key as 'cx' | 'cy' | 'span'].parse(String(value), { name: key, sep: ' ' });
    const problem = typeof parsed === 'string' ? parsed : parsed.clamped;
    if (problem) throw new NetError(`${shown} cannot be shown: ${problem}`);
  }
  return view;
}

const kMaxPoints = 400;

/** data.json's training points (at most kMaxPoints of them); none when the file is absent. */
async function trainingPoints(path: string, id: string | null): Promise<[number, number, number][]> {
  if (!existsSync(path)) return [];
  const data = (await readJson(path)) as { run?: unknown; train?: { x?: unknown; y?: unknown } };
  if (id !== null && data?.run !== id) throw otherRun(path, data?.run, id);
  const { x, y } = data?.train ?? {};
  if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) {
    throw new NetError(`${quoted(path, 200)}: expected {"train": {"x": [[x, y], ...], "y": [class, ...]}, ...}`);
  }
  // At most kMaxPoints, evenly chosen: more would hide the partition.
  const every = Math.max(1, Math.ceil(x.length / kMaxPoints));
  return x
    .filter((_, i) => i % every === 0)
    .map((p, i) => [Number(p?.[0]), Number(p?.[1]), Number(y[i * every]) || 0] as [number, number, number]);
}

/** The net of a checkpoint file (relu-mlp), checked as every net is; throws NetError. */
export async function readCheckpoint(path: string): Promise<Net> {
  const bytes = await readBounded(path, kNetLimits.maxFileBytes);
  return mlpOnly(resolveNet({ kind: 'file', name: quoted(path, 200), bytes }), 'a training run');
}
