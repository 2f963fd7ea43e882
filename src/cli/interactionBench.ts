/**
 * The interaction itself, measured in the app as a user meets it (bench.ts's interaction rows): `npm start`'s server,
 * freshly started, and for each case a fresh Chromium profile (no cached files, no compiled shaders). The first visit:
 * the time from navigation to the app's marks (modules loaded, GPU ready, net made, app started) and to its first
 * picture on screen, then to the finished picture (or the preview it stops at), with the estimates of the time left
 * it showed on the way and how close they came; the second visit (the same profile): its first picture, and the time
 * from a wheel zoom, sent while the picture is computed, to the screen showing it (the last picture moved) and to the
 * first computed picture of the new view. "On screen" is when the GPU finished the submission.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Browser, Page } from 'puppeteer';
import { launchChromium } from './chromium.ts';
import { diagnosis } from './harness.ts';

export interface InteractionCase {
  readonly name: string;
  /** The app's URL hash (without '#'); '' for the app's defaults. */
  readonly hash: string;
  readonly width: number;
  readonly height: number;
}

/** A visit, in milliseconds from navigation start. */
export interface Visit {
  readonly modulesMs: number;
  readonly gpuMs: number;
  readonly netMs: number;
  readonly startedMs: number;
  /** The first picture's colouring submitted (its grid computed), and done by the GPU: on screen. */
  readonly firstGridMs: number;
  readonly firstPictureMs: number;
}

export interface InteractionRow {
  readonly kind: 'interaction';
  readonly name: string;
  readonly hash: string;
  readonly width: number;
  readonly height: number;
  readonly first: Visit;
  readonly second: Visit;
  /** Navigation start to the finished picture (first visit); null when it stopped at a preview or ran too long. */
  readonly finishedMs: number | null;
  /** When it stopped at a preview: the stride shown and the estimated rest. */
  readonly paused: {
    readonly stride: number;
    readonly msLeft: number;
    readonly measured: boolean;
    readonly msLeftAtMost: number;
  } | null;
  /**
   * The estimates of the time left shown while the picture was computed (first visit, measured ones, sampled every
   * 100 ms): the time left they said over the time that was left (1: exact), the first one and the median of all.
   */
  readonly estimate: { readonly first: number; readonly median: number; readonly count: number } | null;
  /** Medians over the zooms (second visit): input to the screen changing, and to the first computed picture. */
  readonly inputToScreenMs: number;
  readonly inputToPictureMs: number;
  readonly zooms: number;
}

/** In the page: waits for a present after `since` of one of `kinds` done by the GPU; returns when it was done. */
const kWaitPresent = `async (since, kinds, timeoutMs) => {
  const start = performance.now();
  for (;;) {
    const entry = window.reluscope?.app?.scheduler.presentLog.find((p) => p.at >= since && kinds.includes(p.kind));
    if (entry && entry.done !== null) return [entry.at, entry.done];
    if (window.reluscope?.failed) throw new Error('the app did not start: ' + window.reluscope.failed);
    if (performance.now() - start > timeoutMs) return null;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}`;

async function waitPresent(page: Page, since: number, kinds: string[], timeoutMs: number) {
  return (await page.evaluate(`(${kWaitPresent})(${since}, ${JSON.stringify(kinds)}, ${timeoutMs})`)) as
    | [number, number]
    | null;
}

/**
 * In the page: samples the estimate of the time left every 100 ms until the picture is finished or paused (or
 * `maxMs` passed): [now, msLeft, measured] for each measured one, and how it ended.
 */
const kFollow = `async (maxMs) => {
  const samples = [];
  const start = performance.now();
  for (;;) {
    const app = window.reluscope.app;
    const p = app.scheduler.progress;
    if (p && !p.paused && p.measured && p.pixelsDone > 0) samples.push([performance.now(), p.msLeft]);
    if (p && p.paused) return { samples, paused: { stride: p.gridStride, msLeft: p.msLeft, measured: p.measured,
      msLeftAtMost: p.msLeftAtMost } };
    if (app.idle && !app.scheduler.showingPreview) return { samples, paused: null };
    if (performance.now() - start > maxMs) return { samples, paused: null, timedOut: true };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function openVisit(browser: Browser, origin: string, c: InteractionCase): Promise<{ page: Page; visit: Visit }> {
  const page = await browser.newPage();
  await page.setViewport({ width: c.width, height: c.height, deviceScaleFactor: 1 });
  await page.goto(`${origin}/${c.hash === '' ? '' : `#${c.hash}`}`, { waitUntil: 'load' });
  const present = await waitPresent(page, 0, ['coarse', 'finished'], 300_000);
  const marks = (await page.evaluate(
    `Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]))`,
  )) as Record<string, number>;
  const mark = (name: string): number => marks[`reluscope:${name}`] ?? Number.NaN;
  const visit: Visit = {
    modulesMs: mark('modules'),
    gpuMs: mark('gpu'),
    netMs: mark('net'),
    startedMs: mark('started'),
    firstGridMs: present?.[0] ?? Number.NaN,
    firstPictureMs: present?.[1] ?? Number.NaN,
  };
  return { page, visit };
}

/** The zooms of a page whose app is showing a picture: their medians. */
async function zoomTimes(page: Page, c: InteractionCase, zooms: number) {
  const toScreen: number[] = [];
  const toPicture: number[] = [];
  for (let zoom = 0; zoom < zooms; zoom++) {
    const since = (await page.evaluate(`(() => {
      const canvas = document.getElementById('view');
      const t0 = performance.now();
      canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: -120, clientX: ${c.width / 2 + 7 * zoom},
        clientY: ${c.height / 2}, bubbles: true, cancelable: true }));
      return t0;
    })()`)) as number;
    const screen = await waitPresent(page, since, ['moved', 'coarse', 'finished'], 60_000);
    const picture = await waitPresent(page, since, ['coarse', 'finished'], 60_000);
    if (screen !== null) toScreen.push(screen[1] - since);
    if (picture !== null) toPicture.push(picture[1] - since);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return { inputToScreenMs: median(toScreen), inputToPictureMs: median(toPicture), zooms: toPicture.length };
}

/** One case: a fresh profile; `maxSeconds` bounds the wait for the finished picture. */
export async function measureInteraction(
  origin: string,
  c: InteractionCase,
  zooms: number,
  maxSeconds: number,
  gpu: boolean,
): Promise<InteractionRow> {
  const chromium = await launchChromium(gpu, diagnosis);
  try {
    const { page, visit: first } = await openVisit(chromium.browser, origin, c);
    const followed = (await page.evaluate(`(${kFollow})(${maxSeconds * 1000})`)) as {
      samples: [number, number][];
      paused: InteractionRow['paused'];
    };
    const finished = followed.paused ? null : await waitPresent(page, 0, ['finished'], 1_000);
    const finishedMs = finished?.[1] ?? null;
    // The time left each estimate said, over the time that was left.
    const ratios = followed.samples
      .filter(([at]) => finishedMs !== null && finishedMs - at > 50)
      .map(([at, msLeft]) => msLeft / ((finishedMs ?? Number.NaN) - at));
    const estimate =
      finishedMs !== null && ratios.length > 0
        ? { first: ratios[0] ?? Number.NaN, median: median(ratios), count: ratios.length }
        : null;
    await page.close();
    const second = await openVisit(chromium.browser, origin, c);
    const times = await zoomTimes(second.page, c, zooms);
    await second.page.close();
    return {
      kind: 'interaction',
      name: c.name,
      hash: c.hash,
      width: c.width,
      height: c.height,
      first,
      second: second.visit,
      finishedMs,
      paused: followed.paused,
      estimate,
      ...times,
    };
  } finally {
    await chromium.close();
  }
}

/** `npm start`'s server (src/cli/start.ts: the app built when a source changed), started fresh for the benchmark. */
export async function startAppServer(): Promise<{ origin: string; close(): void }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli/start.ts', '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start: no address in 300 s:\n${output}`)), 300_000);
    const read = (chunk: Buffer): void => {
      output += String(chunk);
      const url = /open (http:\/\/127\.0\.0\.1:\d+)\/ in Chrome/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  return { origin, close: () => child.kill('SIGTERM') };
}
