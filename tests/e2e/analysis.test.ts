/** The app's analysis panel end to end: segment probe, exact regions in a worker (progress, cancel), presets. */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enumerateRegions } from '../../src/analysis/polygons.ts';
import { kInstabilityEpsilons, sawtoothCounts } from '../../src/analysis/sawtooth.ts';
import { walkSegment } from '../../src/analysis/segment.ts';
import { type Harness, startHarness } from '../../src/cli/harness.ts';
import { formatValue } from '../../src/model/format.ts';
import { randomNet } from '../../src/model/random.ts';
import { appErrors, openApp, urlHash, waitIdle } from '../support/appPage.ts';
import { testSeed } from '../support/seed.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

async function lastWalk(page: Page): Promise<{ regions: number; breakpoints: number[] }> {
  await page.waitForFunction('window.reluscope.analysis.lastWalk !== null', { timeout: 60_000, polling: 50 });
  return (await page.evaluate('window.reluscope.analysis.lastWalk')) as { regions: number; breakpoints: number[] };
}

/** Breakpoints equal up to float64 rounding (the worker and Node may differ in the last bits of Math functions). */
function sameBreakpoints(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((t, i) => Math.abs(t - (b[i] ?? Number.NaN)) < 1e-12);
}

describe('the analysis panel', () => {
  it('shift-drag probes a segment: the walk is the float64 walk, in the URL, ticks drawn', async () => {
    const seed = testSeed('e2e/analysis.test.ts#1') % 100000;
    const { page, consoleErrors } = await openApp(harness, `#widths=10,10&sigmaB=0.5&seed=${seed}&span=4`);
    await page.keyboard.down('Shift');
    await page.mouse.move(30, 40);
    await page.mouse.down();
    await page.mouse.move(200, 150, { steps: 5 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const walk = await lastWalk(page);
    const segment = (new URLSearchParams((await urlHash(page)).slice(1)).get('segment') ?? '').split(',').map(Number);
    expect(segment).toHaveLength(4);
    // A shift-drag probes; it does not pan.
    expect(new URLSearchParams((await urlHash(page)).slice(1)).get('cx')).toBe('0');
    const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = segment;
    const expected = walkSegment(randomNet({ widths: [10, 10], sigmaB: 0.5, seed }), [x0, y0], [x1, y1]);
    expect(walk.regions, `seed ${seed}`).toBe(expected.regions);
    expect(walk.regions).toBeGreaterThan(3);
    const ticks = (await page.evaluate(
      `document.querySelector('#probe .probe-ticks').getAttribute('d').split('M').length - 1`,
    )) as number;
    expect(ticks).toBe(walk.breakpoints.length);
    expect(await page.evaluate(`document.querySelector('#analysis').textContent`)).toMatch(
      new RegExp(`${walk.regions} regions crossed`),
    );
    // Another seed is another net: the segment is walked again.
    const next = walkSegment(randomNet({ widths: [10, 10], sigmaB: 0.5, seed: seed + 1 }), [x0, y0], [x1, y1]);
    await page.evaluate(`window.reluscope.app.update({ seed: ${seed + 1} })`);
    const nextBreakpoints = JSON.stringify(next.breakpoints);
    await page.waitForFunction(
      `(${sameBreakpoints.toString()})(window.reluscope.analysis.lastWalk?.breakpoints ?? [], ${nextBreakpoints})`,
      { timeout: 30_000, polling: 50 },
    );
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('counts the regions of the view exactly off the UI thread, next to the pixel patterns', async () => {
    const seed = testSeed('e2e/analysis.test.ts#2') % 100000;
    const { page, consoleErrors } = await openApp(harness, `#widths=8,8&sigmaB=0.5&seed=${seed}&span=3&cx=0.2`);
    const result = (await page.evaluate('window.reluscope.analysis.analyzeView()')) as {
      exact: { regions: number; boundaryLength: number };
      pixelPatterns: number;
    };
    // The canvas is 240 x 180: the view spans 3 x 2.25.
    const exact = enumerateRegions(randomNet({ widths: [8, 8], sigmaB: 0.5, seed }), {
      x0: 0.2 - 1.5,
      y0: -1.125,
      x1: 0.2 + 1.5,
      y1: 1.125,
    });
    expect(result.exact.regions, `seed ${seed}`).toBe(exact.regions);
    expect(result.exact.boundaryLength).toBeCloseTo(exact.boundaryLength, 9);
    expect(result.pixelPatterns).toBeLessThanOrEqual(result.exact.regions);
    expect(result.pixelPatterns).toBeGreaterThan(result.exact.regions / 2);
    expect(await page.evaluate(`document.querySelector('#analysis').textContent`)).toMatch(/regions exactly/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('theorem mode: the predicted boundary length in the readout and next to the exact one', async () => {
    const { page, consoleErrors } = await openApp(harness, '#widths=12,12&sigmaB=0.4&seed=2&span=3&mode=theorem');
    const predicted = (await page.evaluate('window.reluscope.app.lastTheoremIntegral')) as number;
    expect(predicted).toBeGreaterThan(0);
    // The readout shows the integral with the finished picture.
    await page.waitForFunction(
      `/theorem: predicted boundary length in view \\d/.test(document.querySelector('#readout').textContent)`,
      {
        timeout: 5_000,
      },
    );
    const result = (await page.evaluate('window.reluscope.analysis.analyzeView()')) as {
      theoremLength: number;
      exact: { boundaryLength: number };
    };
    expect(result.theoremLength).toBe(predicted);
    // One net is one draw of the biases: the prediction is an expectation, the same order as the measurement.
    expect(result.theoremLength / result.exact.boundaryLength).toBeGreaterThan(0.3);
    expect(result.theoremLength / result.exact.boundaryLength).toBeLessThan(3);
    expect(await page.evaluate(`document.querySelector('#analysis').textContent`)).toMatch(/theorem: predicted length/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('a count made in another mode gets the prediction when the theorem picture comes', async () => {
    const { page, consoleErrors } = await openApp(harness, '#widths=12,12&sigmaB=0.4&seed=2&span=3');
    const text = (): Promise<string> =>
      page.evaluate(`document.querySelector('#analysis').textContent`) as Promise<string>;
    await page.evaluate('window.reluscope.analysis.analyzeView()');
    expect(await text()).toMatch(/theorem: switch the colour mode to "theorem" for the prediction/);
    await page.evaluate(`window.reluscope.app.update({ mode: 'theorem' })`);
    await waitIdle(page);
    const predicted = (await page.evaluate('window.reluscope.app.lastTheoremIntegral')) as number;
    const measured = (await page.evaluate('window.reluscope.analysis.lastView.exact.boundaryLength')) as number;
    const fmt = (x: number): string => formatValue(x, { digits: 4 });
    expect(await text()).toContain(`theorem: predicted length ${fmt(predicted)} (measured ${fmt(measured)})`);
    expect(await page.evaluate('window.reluscope.analysis.lastView.theoremLength')).toBe(predicted);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('the charts’ value axes have three ticks, labelled apart, where uPlot’s own left one', async () => {
    const { page } = await openApp(harness, '#widths=4&seed=1');
    const labels = (await page.evaluate(`(async () => {
      const { OutputChart } = await import('/src/app/analysis/charts.ts');
      const root = document.createElement('div');
      document.body.append(root);
      const chart = new OutputChart(root);
      const result = [];
      for (const [low, high] of [[0.31, 0.39], [1000, 1001], [0.1231, 0.1234]]) {
        chart.show(2, [0.5], [low, high, low]);
        await new Promise((resolve) => requestAnimationFrame(resolve));
        result.push(chart.plot.axes[1]._values);
      }
      return result;
    })()`)) as string[][];
    for (const values of labels) {
      expect(values.length, values.join(' ')).toBeGreaterThanOrEqual(3);
      expect(new Set(values).size, values.join(' ')).toBe(values.length);
    }
    await page.close();
  });

  it('a long count can be cancelled, and the app keeps rendering while it runs', async () => {
    // About 2.8 x 10^5 regions: several seconds of counting (8.6 s in Node here).
    const { page, consoleErrors } = await openApp(harness, '#widths=256,256,256&sigmaB=0.1&seed=1&span=2');
    await page.evaluate('(window.__count = window.reluscope.analysis.analyzeView()), 0');
    await page.waitForFunction(`!document.querySelector('#analysis progress').hidden`, { timeout: 30_000 });
    // The UI thread is free: a new picture (another palette) is rendered while the worker counts.
    const framesBefore = (await page.evaluate('window.reluscope.app.frames')) as number;
    await page.evaluate(`window.reluscope.app.update({ palette: 'grey' })`);
    await waitIdle(page);
    expect((await page.evaluate('window.reluscope.app.frames')) as number).toBeGreaterThan(framesBefore);
    expect(await page.evaluate(`document.querySelector('#analysis progress').hidden`)).toBe(false);
    await page.evaluate(
      `[...document.querySelectorAll('#analysis button')].find((b) => b.textContent === 'cancel').click()`,
    );
    expect(await page.evaluate('window.__count')).toBeNull();
    expect(await page.evaluate(`document.querySelector('#analysis').textContent`)).toMatch(/cancelled/);
    expect(await page.evaluate(`document.querySelector('#analysis progress').hidden`)).toBe(true);
    // A count still running when the net changes is of the old net: it is cancelled.
    await page.evaluate('(window.__count = window.reluscope.analysis.analyzeView()), 0');
    await page.waitForFunction(`!document.querySelector('#analysis progress').hidden`, { timeout: 30_000 });
    await page.evaluate('window.reluscope.app.update({ seed: 2 })');
    expect(await page.evaluate('window.__count')).toBeNull();
    expect(await appErrors(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('the sawtooth sweep: regions along [0, 1] as the perturbation grows, as in Node', async () => {
    const { page, consoleErrors } = await openApp(harness, '#net=sawtooth:6&cx=0.5&cy=0.5&span=1.25');
    const counts = await page.evaluate('window.reluscope.analysis.sawtoothSweep(6, 2)');
    expect(counts).toEqual(sawtoothCounts(6, kInstabilityEpsilons, 2));
    expect((counts as { meanRegions: number }[])[0]?.meanRegions).toBe(64);
    expect(await page.evaluate(`document.querySelector('#analysis').textContent`)).toMatch(/Sawtooth instability/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('the sawtooth preset from the URL: 2^k regions along [0, 1]; a bad preset or segment keeps the previous', async () => {
    const { page } = await openApp(harness, '#net=sawtooth:7&segment=0,0.5,1,0.5&cx=0.5&cy=0.5&span=1.25');
    expect((await lastWalk(page)).regions).toBe(128);
    await page.evaluate(`location.hash = '#net=sawtooth:99&segment=1,2,3'`);
    await page.waitForFunction('window.reluscope.errors.length >= 2', { timeout: 30_000 });
    const errors = await appErrors(page);
    expect(errors.join('\n')).toMatch(/sawtooth:K/);
    expect(errors.join('\n')).toMatch(/segment=/);
    expect((await lastWalk(page)).regions).toBe(128);
    await page.close();
  });
});
