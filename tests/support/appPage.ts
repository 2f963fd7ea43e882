/** Helpers for driving the app page in headless Chromium. */
import type { Page } from 'puppeteer';
import { expect } from 'vitest';
import type { Harness } from '../../src/cli/harness.ts';

export interface PixelStats {
  width: number;
  height: number;
  distinctColours: number;
  /** FNV-1a of the RGBA bytes. */
  digest: string;
}

/** Opens the app at `hash` in the harness's browser: served by the harness, or by another server at `origin`. */
export async function openApp(
  harness: Pick<Harness, 'browser' | 'origin'>,
  hash = '',
  viewport = { width: 240, height: 180 },
) {
  const page = await harness.browser.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.setViewport({ ...viewport, deviceScaleFactor: 1 });
  await page.goto(`${harness.origin}/${hash}`, { waitUntil: 'load' });
  await waitIdle(page);
  return { page, consoleErrors };
}

/** Waits until the app has the last requested picture on screen (or failed to start). */
export async function waitIdle(page: Page): Promise<void> {
  await page.waitForFunction(
    'window.reluscope && (window.reluscope.failed !== null || (window.reluscope.app !== null && window.reluscope.app.idle))',
    { timeout: 90_000, polling: 50 },
  );
}

export async function pixelStats(page: Page): Promise<PixelStats> {
  return (await page.evaluate(`(async () => {
    const { width, height, rgba } = await window.reluscope.app.readPixels();
    const colours = new Set();
    let h = 0x811c9dc5;
    for (let i = 0; i < rgba.length; i += 4) {
      colours.add((rgba[i] << 16) | (rgba[i + 1] << 8) | rgba[i + 2]);
      for (let k = 0; k < 4; k++) h = Math.imul(h ^ rgba[i + k], 0x01000193);
    }
    return { width, height, distinctColours: colours.size, digest: (h >>> 0).toString(16) };
  })()`)) as PixelStats;
}

export async function appErrors(page: Page): Promise<string[]> {
  return (await page.evaluate('window.reluscope.errors.slice()')) as string[];
}

export async function urlHash(page: Page): Promise<string> {
  return (await page.evaluate('location.hash')) as string;
}

/** The RGBA bytes on screen. */
export async function pixels(page: Page): Promise<Buffer> {
  const base64 = (await page.evaluate(`(async () => {
    const { rgba } = await window.reluscope.app.readPixels();
    let text = '';
    for (let i = 0; i < rgba.length; i += 0x8000) text += String.fromCharCode(...rgba.subarray(i, i + 0x8000));
    return btoa(text);
  })()`)) as string;
  return Buffer.from(base64, 'base64');
}

/** Pixels that differ, and the largest difference of a channel. */
export function pixelDifference(a: Buffer, b: Buffer): { pixels: number; largest: number } {
  let differing = 0;
  let largest = 0;
  for (let i = 0; i < a.length; i += 4) {
    let pixel = 0;
    for (let c = 0; c < 3; c++) pixel = Math.max(pixel, Math.abs((a[i + c] ?? 0) - (b[i + c] ?? 0)));
    if (pixel > 0) differing++;
    largest = Math.max(largest, pixel);
  }
  return { pixels: differing, largest };
}

/**
 * Two pictures of the same settings computed differently (pan reuse, other coarse-to-fine grids: a region's maps are
 * computed at whichever pixel seeded it): float32 rounding may change the anti-aliasing of an edge pixel by a level,
 * nothing more.
 */
export function expectSamePicture(a: Buffer, b: Buffer): void {
  const difference = pixelDifference(a, b);
  expect(difference.pixels, JSON.stringify(difference)).toBeLessThan(0.002 * (a.length / 4));
  expect(difference.largest, JSON.stringify(difference)).toBeLessThanOrEqual(2);
}

/** The picture on `page` is the one a fresh page of its URL computes (up to expectSamePicture's rounding). */
export async function expectSameAsFresh(harness: Harness, page: Page): Promise<void> {
  const { page: fresh } = await openApp(harness, await urlHash(page));
  try {
    expectSamePicture(await pixels(page), await pixels(fresh));
  } finally {
    await fresh.close();
  }
}
