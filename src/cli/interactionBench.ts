/**
 * The interaction itself, measured in the app (bench.ts's interaction rows): a page of the app at a window size, its
 * time to the first picture on screen (from navigation start), to the finished picture (or to the preview it stops
 * at), and the time from a wheel zoom, sent while the picture is computed, to the screen showing it (the last picture
 * moved) and to the first computed picture of the new view. "On screen" is when the GPU finished the submission.
 */
import type { Page } from 'puppeteer';
import type { Harness } from './harness.ts';

export interface InteractionCase {
  readonly widths: readonly number[];
  readonly width: number;
  readonly height: number;
  readonly cx: number;
  readonly cy: number;
  readonly span: number;
}

export interface InteractionRow {
  readonly kind: 'interaction';
  readonly widths: readonly number[];
  readonly width: number;
  readonly height: number;
  readonly span: number;
  /** Navigation start to the first picture of the net (a coarse grid) done by the GPU. */
  readonly firstPictureMs: number;
  /** Navigation start to the finished picture; null when it stopped at a preview or ran past the time allowed. */
  readonly finishedMs: number | null;
  /** When it stopped at a preview: the stride shown and the estimated rest. */
  readonly paused: {
    readonly stride: number;
    readonly msLeft: number;
    readonly measured: boolean;
    readonly msLeftAtMost: number;
  } | null;
  /** Medians over the zooms: input to the screen changing, and to the first computed picture of the new view. */
  readonly inputToScreenMs: number;
  readonly inputToPictureMs: number;
  readonly zooms: number;
}

/** In the page: waits for a present after `since` of one of `kinds` done by the GPU; returns when it was done. */
const kWaitPresent = `async (since, kinds, timeoutMs) => {
  const app = window.reluscope.app;
  const start = performance.now();
  for (;;) {
    const entry = app.scheduler.presentLog.find((p) => p.at >= since && kinds.includes(p.kind));
    if (entry && entry.done !== null) return entry.done;
    if (performance.now() - start > timeoutMs) return null;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}`;

async function waitPresent(page: Page, since: number, kinds: string[], timeoutMs: number): Promise<number | null> {
  return (await page.evaluate(`(${kWaitPresent})(${since}, ${JSON.stringify(kinds)}, ${timeoutMs})`)) as number | null;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** One case: a fresh page; `maxSeconds` bounds the wait for the finished picture. */
export async function measureInteraction(
  harness: Harness,
  c: InteractionCase,
  zooms: number,
  maxSeconds: number,
): Promise<InteractionRow> {
  const page = await harness.browser.newPage();
  try {
    await page.setViewport({ width: c.width, height: c.height, deviceScaleFactor: 1 });
    const hash = `#widths=${c.widths.join(',')}&sigmaB=0.1&seed=1&cx=${c.cx}&cy=${c.cy}&span=${c.span}`;
    await page.goto(`${harness.origin}/${hash}`, { waitUntil: 'load' });
    await page.waitForFunction('window.reluscope?.app || window.reluscope?.failed', { timeout: 120_000 });
    const failed = (await page.evaluate('window.reluscope.failed')) as string | null;
    if (failed) throw new Error(`the app did not start: ${failed}`);
    const firstPictureMs = (await waitPresent(page, 0, ['coarse', 'finished'], 120_000)) ?? Number.NaN;
    // The finished picture, or the preview it stops at.
    await page
      .waitForFunction('window.reluscope.app.idle || window.reluscope.app.scheduler.progress?.paused', {
        timeout: maxSeconds * 1000,
        polling: 20,
      })
      .catch(() => null);
    const state = (await page.evaluate(`(() => {
      const s = window.reluscope.app.scheduler;
      const p = s.progress;
      return { finished: !s.showingPreview && s.presentLog.some((p) => p.kind === 'finished'),
        paused: p && p.paused
          ? { stride: p.gridStride, msLeft: p.msLeft, measured: p.measured, msLeftAtMost: p.msLeftAtMost }
          : null };
    })()`)) as { finished: boolean; paused: InteractionRow['paused'] };
    const finishedMs = state.finished ? await waitPresent(page, 0, ['finished'], 10_000) : null;
    // Zooms sent while the picture of the last one is computed.
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
      if (screen !== null) toScreen.push(screen - since);
      if (picture !== null) toPicture.push(picture - since);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return {
      kind: 'interaction',
      widths: c.widths,
      width: c.width,
      height: c.height,
      span: c.span,
      firstPictureMs,
      finishedMs,
      paused: state.paused,
      inputToScreenMs: median(toScreen),
      inputToPictureMs: median(toPicture),
      zooms: toPicture.length,
    };
  } finally {
    await page.close();
  }
}
