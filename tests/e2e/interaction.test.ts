/**
 * The app while it works (issue 11): pictures coarse to fine and marked as previews, an expensive picture stopped at
 * its preview until asked, a readout that says what is happening, legends and the pixel under the cursor, stale
 * analysis results marked, controls that do not apply disabled, messages that stack, and panels that keep off the
 * picture's centre and each other at three window sizes (checked on screenshots as well as on the page's layout).
 */
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputScale } from '../../src/app/legend.ts';
import { evaluations, everyNth } from '../../src/app/readout.ts';
import { type Harness, startHarness } from '../../src/cli/harness.ts';
import { formatValue } from '../../src/model/format.ts';
import { evaluatePoint } from '../../src/model/oracle.ts';
import { randomNet } from '../../src/model/random.ts';
import { pixelCentre } from '../../src/model/view.ts';
import { appErrors, expectSameAsFresh, openApp, waitIdle } from '../support/appPage.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

const small = '#widths=16,16,16&sigmaB=0.5&seed=7&span=4';

type Presented = { kind: string; stride: number; at: number };

async function presentedSince(page: Page, since: number): Promise<Presented[]> {
  return (await page.evaluate(
    `window.reluscope.app.scheduler.presentLog.filter((p) => p.at >= ${since}).map(({ kind, stride, at }) => ({ kind, stride, at }))`,
  )) as Presented[];
}

async function readoutText(page: Page): Promise<string> {
  return (await page.evaluate(`document.querySelector('#readout').textContent`)) as string;
}

describe('coarse to fine', () => {
  it('a zoom of a finished picture shows that picture moved and scaled at once, before any grid of the new view', async () => {
    const { page, consoleErrors } = await openApp(harness, small);
    await waitIdle(page);
    // Steps held: nothing of the new view can be shown until the test lets them go.
    await page.evaluate(`(() => {
      window.reluscope.app.testHooks.gate = new Promise((release) => { window.releaseSteps = release; });
    })()`);
    const since = (await page.evaluate('performance.now()')) as number;
    await page.evaluate(`document.getElementById('view').dispatchEvent(new WheelEvent('wheel', {
      deltaY: -120, clientX: 100, clientY: 80, bubbles: true, cancelable: true }))`);
    await page.waitForFunction(
      `window.reluscope.app.scheduler.presentLog.some((p) => p.at >= ${since} && p.kind === 'moved' && p.done !== null)`,
      { timeout: 10_000 },
    );
    expect((await presentedSince(page, since)).map((p) => p.kind)).toEqual(['moved']);
    await page.evaluate(`(() => { window.reluscope.app.testHooks.gate = null; window.releaseSteps(); })()`);
    await waitIdle(page);
    expect((await presentedSince(page, since)).at(-1)?.kind).toBe('finished');
    expect(await appErrors(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('a new picture shows coarse grids first, marked as a preview, then the finished picture', async () => {
    const { page, consoleErrors } = await openApp(harness, small);
    // The coarsest first picture (a pixel), and every step held until the test has looked at it.
    await page.evaluate(`(() => {
      const hooks = window.reluscope.app.testHooks;
      hooks.firstPictureMs = 1e-6;
      hooks.tuning = { everyGrid: true };
      hooks.gate = new Promise((release) => { window.releaseSteps = release; });
    })()`);
    const since = (await page.evaluate('performance.now()')) as number;
    await page.evaluate('window.reluscope.app.update({ seed: 8 })');
    await page.waitForFunction('window.reluscope.app.scheduler.progress !== null');
    expect(await readoutText(page)).toMatch(/computing [\d.]+% · .* left/);
    expect(await page.evaluate(`document.querySelector('#readout').classList.contains('computing')`)).toBe(true);
    await page.evaluate(`(() => { window.reluscope.app.testHooks.gate = null; window.releaseSteps(); })()`);
    await waitIdle(page);
    const shown = await presentedSince(page, since);
    const coarse = shown.filter((p) => p.kind === 'coarse').map((p) => p.stride);
    // Strides halve from 256 (the first picture: one pixel) to 2, each shown once, then the finished picture.
    expect(coarse).toEqual([256, 128, 64, 32, 16, 8, 4, 2]);
    expect(shown.at(-1)?.kind).toBe('finished');
    expect(await page.evaluate('window.reluscope.app.scheduler.showingPreview')).toBe(false);
    expect(await readoutText(page)).toMatch(/computed in [\d.]+ (s|min)/);
    // The finished picture is the one a fresh page computes.
    await expectSameAsFresh(harness, page);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('an expensive picture stops at its preview and says what the rest costs; input answers; full detail on request', async () => {
    const { page, consoleErrors } = await openApp(harness, small);
    // Every picture counts as expensive: it stops at the first grid whose end is not known to come at once.
    await page.evaluate(`(() => {
      const hooks = window.reluscope.app.testHooks;
      hooks.firstPictureMs = 1e-6;
      hooks.confirmMs = 0;
    })()`);
    await page.evaluate('window.reluscope.app.update({ seed: 9 })');
    await waitIdle(page);
    const paused = (await page.evaluate('window.reluscope.app.scheduler.progress')) as {
      paused: boolean;
      gridStride: number;
    };
    expect(paused.paused).toBe(true);
    expect(paused.gridStride).toBeGreaterThan(1);
    expect(await page.evaluate('window.reluscope.app.scheduler.showingPreview')).toBe(true);
    expect(await readoutText(page)).toContain(`PREVIEW, exact at ${everyNth(paused.gridStride)} · full detail: `);
    expect(await page.evaluate(`document.querySelector('#readout .status button').hidden`)).toBe(false);
    // Input while the preview waits: the view changes, the paused computation is given up, a new preview comes.
    const abandoned = (await page.evaluate('window.reluscope.app.abandoned')) as number;
    const since = (await page.evaluate('performance.now()')) as number;
    await page.mouse.move(120, 90);
    await page.mouse.wheel({ deltaY: -150 });
    await waitIdle(page);
    expect((await page.evaluate('window.reluscope.app.abandoned')) as number).toBeGreaterThan(abandoned);
    expect((await presentedSince(page, since)).some((p) => p.kind === 'coarse')).toBe(true);
    expect(await page.evaluate('window.reluscope.app.scheduler.progress?.paused')).toBe(true);
    // The button: the rest is computed, the preview mark goes, and the picture is the full one.
    await page.click('#readout .status button');
    await page.waitForFunction('window.reluscope.app.idle && !window.reluscope.app.scheduler.showingPreview', {
      timeout: 60_000,
    });
    expect(await page.evaluate('window.reluscope.app.scheduler.progress')).toBeNull();
    await expectSameAsFresh(harness, page);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});

describe('a big net', () => {
  it('4 x 1024 at the default view: a coarse picture, a screenshot and input while it computes, the old frame given up', async () => {
    const { page, consoleErrors } = await openApp(harness, '#widths=1024,1024,1024,1024&sigmaB=0.1');
    // openApp waited for the first answer: a finished picture or a preview stopped as too expensive (here at once).
    await page.evaluate('window.reluscope.app.testHooks.confirmMs = 3000');
    expect((await presentedSince(page, 0)).some((p) => p.kind === 'coarse')).toBe(true);
    // The tab answers while the GPU computes: a screenshot, and a zoom that moves the last picture at once.
    await page.evaluate('window.reluscope.app.scheduler.computeFullDetail()');
    await page.waitForFunction(
      'window.reluscope.app.scheduler.progress && !window.reluscope.app.scheduler.progress.paused',
    );
    await page.screenshot({ type: 'png' });
    const abandoned = (await page.evaluate('window.reluscope.app.abandoned')) as number;
    const since = (await page.evaluate('performance.now()')) as number;
    await page.mouse.move(120, 90);
    await page.mouse.wheel({ deltaY: -150 });
    await page.waitForFunction(
      `window.reluscope.app.scheduler.presentLog.some((p) => p.at >= ${since} && p.kind === 'coarse')`,
      { timeout: 60_000 },
    );
    expect((await page.evaluate('window.reluscope.app.abandoned')) as number).toBeGreaterThan(abandoned);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});

describe('readout', () => {
  it('the pixel under the cursor: its region hash is the GPU pixel’s and the float64 oracle’s', async () => {
    const { page, consoleErrors } = await openApp(harness, small);
    await page.mouse.move(101.5, 77.5);
    await page.waitForFunction(`/region [0-9a-f]{16}/.test(document.querySelector('#readout .pixel').textContent)`);
    const text = (await page.evaluate(`document.querySelector('#readout .pixel').textContent`)) as string;
    const net = randomNet({ widths: [16, 16, 16], sigmaB: 0.5, seed: 7 });
    const view = { cx: 0, cy: 0, span: 4 };
    const point = pixelCentre(view, { width: 240, height: 180 }, 101, 77);
    const expected = evaluatePoint(net, ...point);
    const hex = (hash: readonly number[]): string =>
      [...hash]
        .reverse()
        .map((w) => w.toString(16).padStart(8, '0'))
        .join('');
    expect(text).toContain(`region ${hex(expected.hash)}`);
    expect(text).toContain(`output ${formatValue(expected.output)}`);
    expect(text).toContain(`distance ${formatValue(expected.distance)} (layer ${expected.nearestLayer})`);
    const gpu = (await page.evaluate(`(async () => {
      const f = await window.reluscope.app.readFields();
      const p = 77 * 240 + 101;
      return [f.hashLo[p], f.hashHi[p]];
    })()`)) as [number, number];
    expect(hex(gpu)).toBe(hex(expected.hash));
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('legends: the output scale’s numbers are the view’s output range; distance and theorem have units', async () => {
    const { page, consoleErrors } = await openApp(harness, `${small}&mode=output`);
    const range = (await page.evaluate('window.reluscope.app.lastSummary.outputRange')) as [number, number];
    const scale = outputScale(range);
    const ticks = (await page.evaluate(
      `[...document.querySelectorAll('#readout .legend-ticks span')].map((s) => s.textContent)`,
    )) as string[];
    expect(ticks[0]).toBe(formatValue(scale.low));
    expect(ticks[2]).toBe(formatValue(scale.high));
    expect(await readoutText(page)).toMatch(/network output \(first unit\)/);
    for (const [mode, unit] of [
      ['distance', /distance to the nearest boundary \(input units\)/],
      ['theorem', /expected boundary length per unit area \(1 \/ input unit\)/],
      ['layers', /edges by layer: 123/],
    ] as const) {
      await page.evaluate(`window.reluscope.app.update({ mode: '${mode}' })`);
      await waitIdle(page);
      expect(await readoutText(page)).toMatch(unit);
    }
    // Where the view is: its centre, the zoom and a scale bar.
    expect(await readoutText(page)).toMatch(/centre \(0\.0+, 0\.0+\) · zoom ×1 · \s*\d/);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('the decision mode: a unit beyond the net clamped with a message, the classes in the legend, the pixel’s class from the oracle and the GPU', async () => {
    const { page, consoleErrors } = await openApp(harness, `${small}&outputs=4&mode=decision&unit=9`);
    const shown = (await page.evaluate(
      `[...document.querySelectorAll('#messages .error, #messages .note')].map((m) => m.textContent)`,
    )) as string[];
    expect(shown).toContain('unit=9: the net has 4 output units; showing unit 3');
    expect(await page.evaluate('window.reluscope.app.settings.unit')).toBe(3);
    const swatches = await page.evaluate(
      `[...document.querySelectorAll('#readout .swatch')].map((s) => s.textContent)`,
    );
    expect(swatches).toEqual(['0', '1', '2', '3']);
    expect(await readoutText(page)).toMatch(/class \(argmax of the outputs; dark lines: decision boundaries\)/);
    // The note over the picture clicked away, then the pixel under the cursor.
    await page.click('#messages .note');
    await page.mouse.move(101.5, 77.5);
    await page.waitForFunction(`/class \\d/.test(document.querySelector('#readout .pixel').textContent)`);
    const text = (await page.evaluate(`document.querySelector('#readout .pixel').textContent`)) as string;
    const net = randomNet({ widths: [16, 16, 16], sigmaB: 0.5, seed: 7, outputs: 4 });
    const point = pixelCentre({ cx: 0, cy: 0, span: 4 }, { width: 240, height: 180 }, 101, 77);
    const expected = evaluatePoint(net, ...point).decision;
    expect(text).toContain(`class ${expected.predicted} (margin ${formatValue(expected.margin)})`);
    const gpu = await page.evaluate(`(async () => (await window.reluscope.app.readFields()).output[77 * 240 + 101])()`);
    expect(gpu).toBe(expected.predicted);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});

describe('readout words', () => {
  it('the canvas’s default size is never shown as the picture’s: the first readout waits for the real one', async () => {
    const page = await harness.browser.newPage();
    // Every text the cost line has had, from the page's start.
    await page.evaluateOnNewDocument(`(() => {
      window.costTexts = [];
      new MutationObserver(() => {
        const text = document.querySelector('#readout .cost')?.textContent;
        if (text && text !== window.costTexts.at(-1)) window.costTexts.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    })()`);
    await page.setViewport({ width: 240, height: 180, deviceScaleFactor: 1 });
    await page.goto(`${harness.origin}/${small}`, { waitUntil: 'load' });
    await waitIdle(page);
    const texts = (await page.evaluate('window.costTexts')) as string[];
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.filter((t) => /300×150/.test(t))).toEqual([]);
    expect(texts.at(-1)).toMatch(/^48 neurons · 240×180 px · /);
    await page.close();
  });

  it('a preview says which grid it shows, never "every 0th pixel"; the cost line is of the net computed', async () => {
    const { page, consoleErrors } = await openApp(harness, small);
    const cost = (): Promise<string> =>
      page.evaluate(`document.querySelector('#readout .cost').textContent`) as Promise<string>;
    expect(await cost()).toMatch(/^48 neurons · 240×180 px · [\d.]+ network evaluations a pixel \(fast\)$/);
    // Every picture stops at its first grid: a preview of another net.
    await page.evaluate(`(() => {
      const hooks = window.reluscope.app.testHooks;
      hooks.firstPictureMs = 1e-6;
      hooks.confirmMs = 0;
    })()`);
    await page.evaluate('window.reluscope.app.update({ widths: [20, 20] })');
    await waitIdle(page);
    const progress = (await page.evaluate('window.reluscope.app.scheduler.progress')) as {
      gridStride: number;
      evaluations: number;
      pixelsDone: number;
      pass: string;
    };
    expect(await readoutText(page)).toContain(`PREVIEW, exact at ${everyNth(progress.gridStride)} · `);
    const perPixel = evaluations(progress.evaluations / progress.pixelsDone);
    expect(await cost()).toBe(`40 neurons · 240×180 px · ${perPixel} a pixel so far (${progress.pass})`);
    // A new computation on the preview, held before its first grid is done: the readout names no grid.
    await page.evaluate(`(() => {
      window.reluscope.app.testHooks.gate = new Promise((release) => { window.releaseSteps = release; });
    })()`);
    await page.evaluate('window.reluscope.app.update({ seed: 11 })');
    await page.waitForFunction('window.reluscope.app.scheduler.progress?.gridStride === 0');
    const status = (await page.evaluate(`document.querySelector('#readout .status').textContent`)) as string;
    expect(status).toMatch(/^computing [\d.]+% · /);
    expect(status).not.toMatch(/every|0th/);
    await page.evaluate(`(() => { window.reluscope.app.testHooks.gate = null; window.releaseSteps(); })()`);
    await waitIdle(page);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('a 1-output net in the decision mode, one class in view: the legend says why the picture is one colour', async () => {
    // Far from the origin, a small view inside one region, away from the output's zero line.
    const [cx, cy, span] = [3.1, -2.7, 0.01];
    const net = randomNet({ widths: [8, 8], sigmaB: 0.5, seed: 5 });
    const here = evaluatePoint(net, cx, cy);
    expect(here.distance).toBeGreaterThan(span);
    expect(here.decision.distance).toBeGreaterThan(span);
    const { page, consoleErrors } = await openApp(
      harness,
      `#widths=8,8&sigmaB=0.5&seed=5&mode=decision&cx=${cx}&cy=${cy}&span=${span}`,
    );
    const sign = here.output > 0 ? 'positive' : '≤ 0';
    const legend = (await page.evaluate(`document.querySelector('#readout .colours').textContent`)) as string;
    expect(legend).toContain(`one class in view: the output is ${sign} everywhere here`);
    // A view with both classes says nothing of the kind.
    await page.evaluate('window.reluscope.app.update({ cx: 0, cy: 0, span: 4 })');
    await waitIdle(page);
    const both = (await page.evaluate(`document.querySelector('#readout .colours').textContent`)) as string;
    expect(both).not.toContain('one class in view');
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});

describe('truthful state', () => {
  it('a count of another view or net is marked stale; counting again clears the mark', async () => {
    const { page } = await openApp(harness, small);
    const stale = (): Promise<boolean> =>
      page.evaluate(`!document.querySelector('#analysis .analysis-stale').hidden`) as Promise<boolean>;
    await page.evaluate('window.reluscope.analysis.analyzeView()');
    expect(await stale()).toBe(false);
    await page.evaluate('window.reluscope.app.update({ span: 3 })');
    await waitIdle(page);
    expect(await stale()).toBe(true);
    await page.evaluate('window.reluscope.analysis.analyzeView()');
    expect(await stale()).toBe(false);
    await page.evaluate('window.reluscope.app.update({ seed: 99 })');
    expect(await stale()).toBe(true);
    await page.close();
  });

  it('controls that do not apply to a built-in net are disabled; every control has help', async () => {
    const { page } = await openApp(harness, small);
    const disabled = (): Promise<string[]> =>
      page.evaluate(
        `[...document.querySelectorAll('.lil-gui .lil-controller.lil-disabled .lil-name')].map((n) => n.textContent)`,
      ) as Promise<string[]>;
    // A net of one output: the output unit has no choice; the MNIST planes apply to nets of 784 inputs only.
    const mnistOnly = ['through 3 random test images', 'random directions through an image'];
    // No training run: nothing to pause or reset.
    const noRun = ['pause', 'reset'];
    expect(await disabled()).toEqual(['output unit', ...mnistOnly, ...noRun]);
    await page.evaluate(`window.reluscope.app.update({ net: 'sawtooth:4' })`);
    expect(await disabled()).toEqual([
      'hidden widths (of the net shown)',
      'seed',
      'outputs',
      'resample (new seed)',
      'output unit',
      ...mnistOnly,
      ...noRun,
    ]);
    expect(
      await page.evaluate(
        `[...document.querySelectorAll('.lil-gui .lil-controller .lil-name')].map((n) => n.textContent)`,
      ),
    ).toContain('sigma_b (theorem density)');
    await page.evaluate(`window.reluscope.app.update({ net: 'mnist-mlp' })`);
    await page.waitForFunction(`window.reluscope.app.sliced.model.inputDim === 784`, { timeout: 30_000 });
    expect(await disabled()).toEqual([
      'hidden widths (of the net shown)',
      'seed',
      'outputs',
      'resample (new seed)',
      'output unit',
      ...noRun,
    ]);
    await page.evaluate(`window.reluscope.app.update({ widths: [8, 8] })`);
    expect(await disabled()).toEqual(['output unit', ...mnistOnly, ...noRun]);
    // Several outputs: the output mode's unit applies.
    await page.evaluate(`window.reluscope.app.update({ outputs: 3, mode: 'output' })`);
    expect(await disabled()).toEqual([...mnistOnly, ...noRun]);
    const untitled = await page.evaluate(
      `[...document.querySelectorAll('.lil-gui .lil-controller')].filter((c) => !c.title).map((c) => c.textContent)`,
    );
    expect(untitled).toEqual([]);
    await page.close();
  });

  it('a result out of sight is brought into view', async () => {
    const { page } = await openApp(harness, '#net=sawtooth:3&cx=0.5&cy=0.5&span=1.25', { width: 800, height: 600 });
    await page.evaluate('window.reluscope.analysis.sawtoothSweep(3, 1)');
    const visible = await page.evaluate(`(() => {
      const panel = document.querySelector('#analysis').getBoundingClientRect();
      const block = [...document.querySelectorAll('#analysis .analysis-block')].find((b) =>
        b.textContent.includes('Sawtooth instability')).getBoundingClientRect();
      return document.querySelector('#analysis').open && block.top >= panel.top - 1 && block.bottom <= panel.bottom + 1
        && block.bottom <= innerHeight;
    })()`);
    expect(visible).toBe(true);
    await page.close();
  });

  it('messages stack (none dropped); a clamp of the layers says so', async () => {
    const { page } = await openApp(harness, '#widths=8,8&seed=-5&span=0&mode=nope&cx=NaN&bogus=1&palette=x&layers=9');
    const errors = await appErrors(page);
    expect(errors.length).toBe(6);
    const shown = (await page.evaluate(
      `[...document.querySelectorAll('#messages .error, #messages .note')].map((m) => m.textContent)`,
    )) as string[];
    expect(shown.filter((m) => m.startsWith('URL:'))).toHaveLength(6);
    expect(shown).toContain('layers=9: the net has 2 hidden layers; showing all 2');
    expect(await page.evaluate(`document.querySelector('#messages .dismiss-all').hidden`)).toBe(false);
    await page.click('#messages .dismiss-all');
    expect(await page.evaluate(`document.querySelectorAll('#messages .error, #messages .note').length`)).toBe(0);
    await page.close();
  });
});

/** Page rectangles of the panels on show. */
async function panelRects(page: Page): Promise<{ name: string; x0: number; y0: number; x1: number; y1: number }[]> {
  return (await page.evaluate(`(() => {
    const panels = {
      gui: '.lil-gui.lil-root',
      analysis: '#analysis',
      training: '#training',
      readout: '#readout',
      messages: '#messages',
    };
    return Object.entries(panels).flatMap(([name, selector]) => {
      const element = document.querySelector(selector);
      if (!element || element.hidden || element.children.length === 0) return [];
      const r = element.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return [];
      return [{ name, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom }];
    });
  })()`)) as { name: string; x0: number; y0: number; x1: number; y1: number }[];
}

describe('layout', () => {
  for (const [width, height] of [
    [1280, 800],
    [800, 600],
    [390, 844],
  ] as const) {
    it(`${width} x ${height}: no panel over another or over the picture's centre (layout and screenshots)`, async () => {
      // Two messages (URL errors), the theorem mode's longer readout, a segment in the analysis panel.
      const hash = `${small}&mode=theorem&bogus=1&mode=nope&segment=-1,0,1,0.5`;
      const { page, consoleErrors } = await openApp(harness, hash, { width, height });
      await page.waitForFunction(`/regions crossed/.test(document.querySelector('#analysis').textContent)`);
      const rects = await panelRects(page);
      expect(rects.map((r) => r.name).sort()).toEqual(['analysis', 'gui', 'messages', 'readout']);
      for (const a of rects) {
        for (const b of rects) {
          if (a.name >= b.name) continue;
          const overlap = a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
          expect(overlap, `${a.name} ${JSON.stringify(a)} and ${b.name} ${JSON.stringify(b)}`).toBe(false);
        }
      }
      // The centre of the picture, a box of a fifth of the window's width and height, is free.
      const centre = { x0: 0.4 * width, y0: 0.4 * height, x1: 0.6 * width, y1: 0.6 * height };
      for (const r of rects) {
        const over = r.x0 < centre.x1 && centre.x0 < r.x1 && r.y0 < centre.y1 && centre.y0 < r.y1;
        expect(over, `${r.name} ${JSON.stringify(r)} covers the centre`).toBe(false);
      }
      // The screenshots with and without the panels differ only inside the panels' rectangles (the probe's line, drawn
      // over the picture, is hidden in both: its anti-aliasing depends on the layers composited with it).
      await page.addStyleTag({ content: '#probe { visibility: hidden !important; }' });
      const withPanels = await page.screenshot({ encoding: 'binary', type: 'png' });
      await page.addStyleTag({ content: '.lil-gui, #dock, #messages { visibility: hidden !important; }' });
      const without = await page.screenshot({ encoding: 'binary', type: 'png' });
      const [a, b] = await Promise.all([decode(page, withPanels), decode(page, without)]);
      let outside = 0;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const p = 4 * (y * width + x);
          const differs = a[p] !== b[p] || a[p + 1] !== b[p + 1] || a[p + 2] !== b[p + 2];
          const inside = rects.some((r) => x >= r.x0 - 1 && x < r.x1 + 1 && y >= r.y0 - 1 && y < r.y1 + 1);
          if (differs && !inside) outside++;
        }
      }
      expect(outside, 'pixels changed by the panels outside their rectangles').toBe(0);
      expect(consoleErrors).toEqual([]);
      await page.close();
    });
  }
});

/** The RGBA bytes of a PNG screenshot, decoded by the page itself. */
async function decode(page: Page, png: Uint8Array): Promise<Uint8Array> {
  const base64 = Buffer.from(png).toString('base64');
  const bytes = (await page.evaluate(`(async () => {
    const image = await createImageBitmap(await (await fetch('data:image/png;base64,${base64}')).blob());
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, image.width, image.height).data;
    let text = '';
    for (let i = 0; i < data.length; i += 0x8000) text += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return btoa(text);
  })()`)) as string;
  return Buffer.from(bytes, 'base64');
}
