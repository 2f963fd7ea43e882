/**
 * The app with a network graph from an ONNX file (a CNN trained on MNIST digits, tests/fixtures/onnx): loaded from
 * the file input, seen through its default MNIST plane, drawn, its hover readout the float64 oracle's; a broken
 * ONNX file keeps the net and the picture.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enumerateNetworkRegions } from '../../src/analysis/graphRegions.ts';
import { type Harness, startHarness } from '../../src/cli/harness.ts';
import { nodeDigits } from '../../src/cli/mnistFiles.ts';
import { graphFromOnnx } from '../../src/model/files/onnx.ts';
import { seeNetworkThrough } from '../../src/model/plane.ts';
import { appErrors, openApp, pixelStats, urlHash, waitIdle } from '../support/appPage.ts';
import { controlCharacters } from '../support/cli.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe('an ONNX network in the app', () => {
  it('a CNN file loads, is seen through an MNIST plane and drawn; a truncated one keeps it', async () => {
    const { page, consoleErrors } = await openApp(harness, '#widths=8,8&seed=2', { width: 160, height: 120 });
    const input = await page.$('input[type=file]');
    if (!input) throw new Error('no file input');
    const dir = tmpdir();
    const path = join(dir, `reluscope-${process.pid}-cnn.onnx`);
    const bytes = readFileSync('tests/fixtures/onnx/cnn.onnx');
    writeFileSync(path, bytes);
    const start = performance.now();
    await input.uploadFile(path);
    await page.waitForFunction('location.hash.includes("net=")', { timeout: 60_000 });
    await waitIdle(page);
    const seconds = (performance.now() - start) / 1000;
    console.log(`[app] cnn.onnx loaded and drawn at 160x120 in ${seconds.toFixed(1)} s`);
    const hash = await urlHash(page);
    expect(hash).toMatch(/plane=mnist/);
    expect(await appErrors(page)).toEqual([]);
    const stats = await pixelStats(page);
    expect(stats.distinctColours).toBeGreaterThan(20);
    const readout = await page.$eval('#readout', (e) => e.textContent ?? '');
    expect(readout).toMatch(/4,704 neurons/);

    const broken = join(dir, `reluscope-${process.pid}-broken.onnx`);
    writeFileSync(broken, bytes.subarray(0, 5000));
    await input.uploadFile(broken);
    await page.waitForFunction('window.reluscope.errors.length > 0');
    const errors = await appErrors(page);
    expect(errors.at(-1)).toMatch(/broken\.onnx.*ONNX file: .*truncated.*the previous net stays/);
    expect(controlCharacters(errors.at(-1) ?? '')).toEqual([]);
    await waitIdle(page);
    expect(await urlHash(page)).toBe(hash);
    expect((await pixelStats(page)).digest).toBe(stats.digest);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('the bundled CNN zoomed on an image: the worker counts its regions as the Node enumeration does', async () => {
    const { page, consoleErrors } = await openApp(harness, '#net=mnist-cnn&cx=0&cy=0&span=0.06');
    expect(await appErrors(page)).toEqual([]);
    const result = (await page.evaluate('window.reluscope.analysis.analyzeView()')) as {
      exact: { regions: number; boundaryLength: number };
      pixelPatterns: number;
    };
    const sliced = seeNetworkThrough(graphFromOnnx(readFileSync('models/mnist-cnn.onnx')), '', nodeDigits);
    // The canvas is 240 x 180: the view spans 0.06 x 0.045.
    const exact = enumerateNetworkRegions(sliced.net, { x0: -0.03, y0: -0.0225, x1: 0.03, y1: 0.0225 });
    expect(result.exact.regions).toBe(exact.regions);
    expect(result.exact.boundaryLength).toBeCloseTo(exact.boundaryLength, 9);
    expect(result.pixelPatterns).toBeLessThanOrEqual(result.exact.regions);
    expect(result.pixelPatterns).toBeGreaterThan(result.exact.regions / 2);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
