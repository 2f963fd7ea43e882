/** The app end to end in headless Chromium (SwiftShader): what a user does, and what bad input gets. */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../src/cli/harness.ts';
import { serializeNet } from '../../src/model/files/netFile.ts';
import { randomNet } from '../../src/model/random.ts';
import {
  appErrors,
  expectSameAsFresh,
  expectSamePicture,
  openApp,
  pixelStats,
  pixels,
  urlHash,
  waitIdle,
} from '../support/appPage.ts';
import { controlCharacters } from '../support/cli.ts';
import { op, torchFileOfNet, torchZip } from '../support/torchWriter.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

const small = '#widths=16,16,16&sigmaB=0.5&seed=7&span=4';

describe('the app', () => {
  it('opens on a default net with many regions and no console errors', async () => {
    const { page, consoleErrors } = await openApp(harness);
    const stats = await pixelStats(page);
    expect(stats.width).toBe(240);
    expect(stats.height).toBe(180);
    expect(stats.distinctColours).toBeGreaterThan(50);
    expect(await urlHash(page)).toMatch(/widths=32,32,32/);
    expect(consoleErrors).toEqual([]);
    expect(await appErrors(page)).toEqual([]);
    await page.close();
  });

  it('wheel zooms and drag pans: the view and the URL change; the URL reproduces the pixels', async () => {
    const { page, consoleErrors } = await openApp(harness, small);
    const before = await urlHash(page);
    const first = await pixelStats(page);
    await page.mouse.move(150, 120);
    await page.mouse.wheel({ deltaY: -300 });
    await waitIdle(page);
    const zoomed = await urlHash(page);
    expect(zoomed).not.toBe(before);
    const span = Number(new URLSearchParams(zoomed.slice(1)).get('span'));
    expect(span).toBeLessThan(4);
    await page.mouse.move(120, 90);
    await page.mouse.down();
    await page.mouse.move(150, 110, { steps: 4 });
    await page.mouse.up();
    await waitIdle(page);
    const panned = await urlHash(page);
    expect(panned).not.toBe(zoomed);
    // A drag moves by whole pixels: the pixels still in view were moved, not computed again.
    expect((await page.evaluate('window.reluscope.app.lastSummary.reusedPixels')) as number).toBeGreaterThan(0);
    const shown = await pixelStats(page);
    expect(shown.digest).not.toBe(first.digest);

    // The same picture from the URL alone. Pixels moved by the pan were computed under another view centre and
    // tile grid: float32 rounding may change the anti-aliasing of an edge pixel by a level, nothing more.
    const { page: reloaded } = await openApp(harness, panned);
    expect(await urlHash(reloaded)).toBe(panned);
    expectSamePicture(await pixels(page), await pixels(reloaded));
    expect(consoleErrors).toEqual([]);
    await page.close();
    await reloaded.close();
  });

  it('while a frame computes, input moves the last picture at once and the stale frame is given up', async () => {
    const { page, consoleErrors } = await openApp(harness, small);
    // Only the canvas: the readout and the panel change by themselves.
    await page.addStyleTag({ content: '.overlay, .lil-gui, #dock { visibility: hidden !important; }' });
    const shotOfCanvas = async (): Promise<Buffer> =>
      Buffer.from(await page.screenshot({ clip: { x: 0, y: 0, width: 240, height: 180 } }));
    const before = await shotOfCanvas();
    expect((await shotOfCanvas()).equals(before), 'the screenshot is stable while nothing changes').toBe(true);
    // Hold every frame after its first step (one tile a step): the frame is half-done for as long as the test says,
    // however fast the machine is.
    await page.evaluate(`(() => {
      const app = window.reluscope.app;
      app.testHooks.budgetMs = 0.001;
      app.testHooks.gate = new Promise((release) => { window.releaseFrames = release; });
    })()`);
    const abandonedBefore = (await page.evaluate('window.reluscope.app.abandoned')) as number;
    await page.mouse.move(120, 90);
    await page.mouse.wheel({ deltaY: -200 });
    await page.waitForFunction('!window.reluscope.app.idle');
    await page.mouse.wheel({ deltaY: -200 });
    // The second zoom arrives while the first frame is held: the screen must show it at once (the last picture,
    // moved and scaled). The compositor may take a moment to show what was presented: look until it does.
    let previewSeen = false;
    for (let look = 0; look < 50 && !previewSeen; look++) {
      previewSeen = !(await shotOfCanvas()).equals(before);
      if (!previewSeen) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(previewSeen, 'the preview shows the zoom while the frame is held').toBe(true);
    expect(await page.evaluate('window.reluscope.app.idle')).toBe(false);
    await page.evaluate(`(() => {
      const app = window.reluscope.app;
      app.testHooks.gate = null;
      app.testHooks.budgetMs = null;
      window.releaseFrames();
    })()`);
    await waitIdle(page);
    // The held frame was of the first zoom's view: stale once the second arrived, so it was given up.
    expect((await page.evaluate('window.reluscope.app.abandoned')) as number).toBeGreaterThan(abandonedBefore);
    await expectSameAsFresh(harness, page);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('a resize just before a frame is presented: not presented at the old size, the new size is, no GPU errors', async () => {
    const { page, consoleErrors } = await openApp(harness, small);
    // Frames are computed in one step and held just before they are presented; the gate says when one waits.
    await page.evaluate(`(() => {
      const hooks = window.reluscope.app.testHooks;
      hooks.budgetMs = 1e9;
      hooks.gate = { then(release) { window.held = true; window.releaseFrames = release; } };
    })()`);
    await page.keyboard.press('+');
    await page.waitForFunction('window.held === true');
    await page.setViewport({ width: 200, height: 150, deviceScaleFactor: 1 });
    await page.waitForFunction('window.reluscope.app.size.width === 200');
    await page.evaluate('window.reluscope.app.testHooks.gate = null; window.releaseFrames()');
    await waitIdle(page);
    const stats = await pixelStats(page);
    expect([stats.width, stats.height]).toEqual([200, 150]);
    expect(stats.distinctColours).toBeGreaterThan(20);
    expect(await appErrors(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('new nets while a picture is computing: each computation given up cleanly, no errors, the last net shown', async () => {
    const { page, consoleErrors } = await openApp(harness, '#widths=64,64,64&sigmaB=0.1&seed=1&span=3');
    await page.evaluate('window.reluscope.app.testHooks.budgetMs = 20');
    // Steps of about 20 ms; a new net every 30 ms lands during steps (their buffers are replaced under them).
    for (let seed = 2; seed < 12; seed++) {
      await page.evaluate(`window.reluscope.app.update({ seed: ${seed} })`);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await page.evaluate('window.reluscope.app.testHooks.budgetMs = null');
    await waitIdle(page);
    expect(await appErrors(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    expect(await page.evaluate('window.reluscope.app.abandoned')).toBeGreaterThan(0);
    await expectSameAsFresh(harness, page);
    await page.close();
  });

  it('the performance demo flies a zoom path and counts frames per second; input stops it', async () => {
    const { page, consoleErrors } = await openApp(harness, `${small}&cx=0.3&cy=0.2`, { width: 96, height: 72 });
    await page.evaluate('void window.reluscope.demo.start()');
    await page.waitForFunction('window.reluscope.app.frames >= 5', { timeout: 60_000 });
    expect((await page.evaluate('window.reluscope.demo.framesPerSecond')) as number).toBeGreaterThan(0);
    const span = Number(new URLSearchParams((await urlHash(page)).slice(1)).get('span'));
    expect(span).toBeLessThan(4);
    await page.keyboard.press('ArrowLeft');
    await waitIdle(page);
    expect(await page.evaluate('window.reluscope.demo.active')).toBe(false);
    const params = new URLSearchParams((await urlHash(page)).slice(1));
    expect([params.get('cy')]).toEqual(['0.2']);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('the frame log keeps the last 100 frames, not every frame ever drawn', async () => {
    const { page } = await openApp(harness, small, { width: 64, height: 48 });
    const length = await page.evaluate(`(async () => {
      const app = window.reluscope.app;
      for (let i = 0; i < 110; i++) await app.nextFrame();
      return app.frameLog.length;
    })()`);
    expect(length).toBe(100);
    await page.close();
  });

  it('two fingers pinch-zoom about their centre', async () => {
    const { page } = await openApp(harness, small);
    await page.setViewport({ width: 240, height: 180, deviceScaleFactor: 1, hasTouch: true, isMobile: false });
    await waitIdle(page);
    const session = await page.createCDPSession();
    const touch = (type: string, spread: number) =>
      session.send('Input.dispatchTouchEvent', {
        type: type as 'touchStart',
        touchPoints:
          type === 'touchEnd'
            ? []
            : [
                { x: 120 - spread, y: 120, id: 0 },
                { x: 120 + spread, y: 120, id: 1 },
              ],
      });
    await touch('touchStart', 20);
    for (const spread of [25, 30, 35, 40]) await touch('touchMove', spread);
    await touch('touchEnd', 0);
    await waitIdle(page);
    const span = Number(new URLSearchParams((await urlHash(page)).slice(1)).get('span'));
    expect(span).toBeCloseTo(4 / 2, 6); // the fingers moved twice as far apart
    await session.detach();
    await page.close();
  });

  it('keys zoom, pan and reset the view', async () => {
    const { page } = await openApp(harness, small);
    await page.keyboard.press('+');
    await waitIdle(page);
    expect(Number(new URLSearchParams((await urlHash(page)).slice(1)).get('span'))).toBeCloseTo(4 / 1.25, 10);
    await page.keyboard.press('ArrowLeft');
    await waitIdle(page);
    expect(Number(new URLSearchParams((await urlHash(page)).slice(1)).get('cx'))).toBeLessThan(0);
    await page.keyboard.press('0');
    await waitIdle(page);
    const params = new URLSearchParams((await urlHash(page)).slice(1));
    expect([params.get('cx'), params.get('cy'), params.get('span')]).toEqual(['0', '0', '4']);
    await page.close();
  });

  it('every colour mode renders a non-blank picture without errors', async () => {
    const { page, consoleErrors } = await openApp(harness, small, { width: 96, height: 72 });
    const digests = new Set<string>();
    for (const mode of ['regions', 'edges', 'distance', 'layers', 'output']) {
      await page.evaluate(`window.reluscope.app.update({ mode: '${mode}' })`);
      await waitIdle(page);
      const stats = await pixelStats(page);
      expect(stats.distinctColours, mode).toBeGreaterThan(mode === 'edges' ? 2 : 20);
      digests.add(stats.digest);
    }
    expect(digests.size).toBe(5);
    expect(await appErrors(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('loads a net file; a bad file shows an error and keeps the net and the picture', async () => {
    const { page } = await openApp(harness, small);
    const dir = tmpdir();
    const goodPath = join(dir, `reluscope-good-${process.pid}.json`);
    writeFileSync(goodPath, serializeNet(randomNet({ widths: [10, 12], sigmaB: 0.4, seed: 99 })));
    const input = await page.$('input[type=file]');
    if (!input) throw new Error('no file input');
    await input.uploadFile(goodPath);
    await page.waitForFunction('location.hash.includes("net=")');
    await waitIdle(page);
    const loadedHash = await urlHash(page);
    expect(loadedHash).toMatch(/widths=10,12/);
    const loaded = await pixelStats(page);
    const loadedPixels = await pixels(page);

    const cases: [string, string | Uint8Array, RegExp][] = [
      ['binary.json', Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x1b, 0x5b, 0x32, 0x4a, 0, 0]), /not a text file/],
      [
        'tanh.json',
        serializeNet(randomNet({ widths: [3], sigmaB: 1, seed: 1 })).replace('{', '{"activation":"tanh",'),
        /ReLU nets only/,
      ],
      [
        'nan.json',
        '{"format":"relu-mlp","version":1,"inputDim":2,"hidden":[{"weight":[[NaN,1]],"bias":[0]}]}',
        /not valid JSON/,
      ],
      [
        'null.json',
        '{"format":"relu-mlp","version":1,"inputDim":2,"hidden":[{"weight":[[null,1]],"bias":[0]}]}',
        /weight\[0\]\[0\] is not a finite number/,
      ],
      [
        'shape.json',
        '{"format":"relu-mlp","version":1,"inputDim":2,"hidden":[{"weight":[[1,1]],"bias":[0]},{"weight":[[1,1,1]],"bias":[0]}]}',
        /hidden\[1\]\.weight\[0\] has 3 entries, expected 1/,
      ],
      [
        'system.pt',
        torchZip(
          Uint8Array.from([...op.proto(), ...op.global('os', 'system'), ...op.str('x'), ...op.tuple1]),
          new Map(),
        ),
        /PyTorch file: the pickle names os\.system at offset 2: refused .*nothing was executed/,
      ],
      [
        'truncated.pth',
        torchFileOfNet(randomNet({ widths: [3], sigmaB: 1, seed: 1 })).subarray(0, 200),
        /PyTorch file: .*truncated/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const path = join(dir, `reluscope-${process.pid}-${name}`);
      writeFileSync(path, text);
      const errorsBefore = (await appErrors(page)).length;
      await input.uploadFile(path);
      await page.waitForFunction(`window.reluscope.errors.length > ${errorsBefore}`);
      const errors = await appErrors(page);
      expect(errors.at(-1)).toMatch(message);
      expect(errors.at(-1)).toContain(name);
      expect(controlCharacters(errors.at(-1) ?? '')).toEqual([]);
      await waitIdle(page);
      expect(await urlHash(page)).toBe(loadedHash);
      expect((await pixelStats(page)).digest).toBe(loaded.digest);
    }
    // The stored net comes back with the URL.
    const { page: reloaded } = await openApp(harness, loadedHash);
    expectSamePicture(await pixels(reloaded), loadedPixels);
    await reloaded.close();
    // A PyTorch file is read too, and stored as its relu-mlp text.
    const ptPath = join(dir, `reluscope-${process.pid}-net.pt`);
    writeFileSync(ptPath, torchFileOfNet(randomNet({ widths: [6, 5], sigmaB: 0.4, seed: 3 })));
    await input.uploadFile(ptPath);
    await page.waitForFunction('location.hash.includes("widths=6,5")');
    await waitIdle(page);
    expect((await pixelStats(page)).digest).not.toBe(loaded.digest);
    await page.close();
  });

  it('a tampered URL is rejected or clamped with a message, never a crash', async () => {
    const { page, consoleErrors } = await openApp(
      harness,
      `#widths=16,abc&seed=-5&span=0&mode=nope&cx=NaN&layers=2.5&bogus=1&palette=${'p'.repeat(100_000)}`,
    );
    const errors = await appErrors(page);
    expect(errors.join('\n')).toMatch(/widths: "abc" is not an integer/);
    expect(errors.join('\n')).toMatch(/seed=-5 is outside/);
    expect(errors.join('\n')).toMatch(/span=0 is outside/);
    expect(errors.join('\n')).toMatch(/mode="nope"/);
    expect(errors.join('\n')).toMatch(/cx="NaN" is not a finite number/);
    expect(errors.join('\n')).toMatch(/unknown setting "bogus"/);
    expect(errors.join('\n')).toMatch(/layers="2.5" is not an integer/);
    // A 100 KB value is quoted in part, not echoed in full.
    expect(errors.join('\n')).toMatch(/palette="p{40}"…\(99960 more characters\) is not one of/);
    expect(Math.max(...errors.map((e) => e.length))).toBeLessThan(300);
    // span=0 was clamped to the smallest span: the app still renders. One region fills such a view, in the colour
    // it has in a view a thousand times wider (not a blank canvas, nor another region's colour).
    const hash = await urlHash(page);
    expect(hash).toMatch(/span=1e-12/);
    const tiny = await pixelStats(page);
    expect(tiny.distinctColours).toBe(1);
    const { page: wider } = await openApp(harness, hash.replace('span=1e-12', 'span=1e-9'));
    expect((await pixelStats(wider)).digest).toBe(tiny.digest);
    expect(consoleErrors).toEqual([]);
    await wider.close();
    await page.close();
  });

  it('a net too large to generate keeps the previous net', async () => {
    const { page } = await openApp(harness, small);
    const before = await urlHash(page);
    const accepted = await page.evaluate('window.reluscope.app.update({ widths: [8192, 8192, 8192] })');
    expect(accepted).toBe(false);
    expect((await appErrors(page)).at(-1)).toMatch(/has 134234112 weights; at most 67108864 .*the previous net stays/);
    await waitIdle(page);
    expect(await urlHash(page)).toBe(before);
    await page.close();
  });

  it('recovers from device loss: a new device, the same picture', async () => {
    const { page, consoleErrors } = await openApp(harness, small);
    const before = await pixelStats(page);
    const frames = (await page.evaluate('window.reluscope.app.frames')) as number;
    await page.evaluate('window.reluscope.app.gpuDevice.destroy()');
    await page.waitForFunction(`window.reluscope.app.frames > ${frames}`, { timeout: 60_000 });
    await waitIdle(page);
    expect((await appErrors(page)).join('\n')).toMatch(/GPU device was lost/);
    expect((await pixelStats(page)).digest).toBe(before.digest);
    expect(consoleErrors.filter((e) => !/lost|destroyed/i.test(e))).toEqual([]);
    await page.close();
  });

  it('without WebGPU the page says so and how to enable it', async () => {
    const page = await harness.browser.newPage();
    await page.evaluateOnNewDocument('delete Navigator.prototype.gpu');
    await page.goto(`${harness.origin}/`, { waitUntil: 'load' });
    await waitIdle(page);
    const text = await page.$eval('#no-webgpu', (el) => ((el as HTMLElement).hidden ? '' : (el.textContent ?? '')));
    expect(text).toMatch(/needs WebGPU/);
    expect(text).toMatch(/enable-unsafe-webgpu/);
    await page.close();
  });
});
