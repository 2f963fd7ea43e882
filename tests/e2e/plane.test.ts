/** The app on a net of 784 inputs: the plane in the URL and the panel, its marks and images, bad planes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../src/cli/harness.ts';
import { nodeDigits } from '../../src/cli/mnistFiles.ts';
import { netFromSafetensors } from '../../src/model/files/netTensors.ts';
import { ForwardPass } from '../../src/model/forward.ts';
import { parsePlaneSpec, planePoint, resolvePlane, viewOfMarks } from '../../src/model/plane.ts';
import { appErrors, openApp, urlHash, waitIdle } from '../support/appPage.ts';

const model = netFromSafetensors(
  readFileSync(join(import.meta.dirname, '../../models/mnist-mlp-64x64x64.safetensors')),
);

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

/** Waits until the app shows a net seen through a plane (the model and the digits load first). */
async function waitPlane(page: Page, spec: string): Promise<void> {
  await page.waitForFunction(`window.reluscope.app?.settings.plane === ${JSON.stringify(spec)}`, { timeout: 60_000 });
  await waitIdle(page);
}

function predicted(point: ArrayLike<number>): number {
  const pass = new ForwardPass(model, 0);
  pass.run(point);
  const outputs = Array.from(pass.output.value);
  return outputs.indexOf(Math.max(...outputs));
}

describe('a net of 784 inputs in the app', () => {
  it('the bundled MNIST model through three images: framed, marked, the images and their predictions shown', async () => {
    const text = 'mnist:3/800,5/800,8/800';
    const { page, consoleErrors } = await openApp(harness, `#net=mnist-mlp&plane=${text}`, {
      width: 600,
      height: 400,
    });
    await waitPlane(page, text);
    const spec = parsePlaneSpec(text);
    if (typeof spec === 'string') throw new Error(spec);
    const plane = resolvePlane(spec, 784, nodeDigits);
    if (!plane) throw new Error('identity');
    const view = (await page.evaluate('JSON.stringify(window.reluscope.app.view)')) as string;
    expect(JSON.parse(view)).toEqual(viewOfMarks(plane, 600 / 400));
    const captions = (await page.$$eval('#plane-box figcaption', (all) => all.map((f) => f.textContent))) as string[];
    const expected = plane.marks.map(
      (m, i) => `${i + 1}: ${m.label.slice(6)}\npredicted ${predicted(planePoint(plane, m.u, m.v))}`,
    );
    expect(captions).toEqual(expected);
    const marks = (await page.$$eval('#marks .mark', (all) =>
      all.map((m) => {
        const r = m.getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2, (m as HTMLElement).hidden];
      }),
    )) as [number, number, boolean][];
    expect(marks).toHaveLength(3);
    const s = (viewOfMarks(plane, 1.5)?.span ?? 1) / 600;
    const v = viewOfMarks(plane, 1.5);
    if (!v) throw new Error('view');
    plane.marks.forEach((m, i) => {
      const [x, y, hidden] = marks[i] ?? [0, 0, true];
      expect(hidden).toBe(false);
      // Border boxes are centred on the point within a pixel (the ring's margin).
      expect(Math.abs(x - ((m.u - v.cx) / s + 300))).toBeLessThan(2);
      expect(Math.abs(y - (200 - (m.v - v.cy) / s))).toBeLessThan(2);
    });
    // The image at the cursor: x(u, v) for the pixel under it, with the model's prediction.
    await page.mouse.move(200, 150);
    await page.waitForFunction(() => document.querySelectorAll('#plane-box figure').length === 4, { timeout: 10_000 });
    const cursor = (await page.$$eval('#plane-box figcaption', (all) => all.at(-1)?.textContent)) as string;
    const [u, vv] = [v.cx + (200.5 - 300) * s, v.cy - (150.5 - 200) * s];
    expect(cursor).toBe(`at the cursor\npredicted ${predicted(planePoint(plane, u, vv))}`);
    expect(await urlHash(page)).toContain(`plane=${text}`);
    // Reset view (the key 0) frames the images again, not the origin's default view.
    await page.evaluate('window.reluscope.app.setView({ cx: 0, cy: 0, span: 4 })');
    await waitIdle(page);
    await page.keyboard.press('0');
    await waitIdle(page);
    const reset = (await page.evaluate('JSON.stringify(window.reluscope.app.view)')) as string;
    expect(JSON.parse(reset)).toEqual(viewOfMarks(plane, 600 / 400));
    expect(consoleErrors).toEqual([]);
    expect(await appErrors(page)).toEqual([]);
    await page.close();
  });

  it('a bad plane keeps the previous one; a plane that does not fit the net is refused with a message', async () => {
    const text = 'mnist:0/801,1/801,2/801';
    const { page } = await openApp(harness, `#net=mnist-mlp&plane=${text}`);
    await waitPlane(page, text);
    const before = await urlHash(page);
    await page.evaluate(`window.reluscope.app.update({ plane: 'mnist:0/801,0/801,2/801' })`);
    await waitIdle(page);
    expect(await urlHash(page)).toBe(before);
    expect((await appErrors(page)).at(-1)).toMatch(/same point: no plane through them; the previous net stays/);
    await page.evaluate(`window.reluscope.app.update({ plane: 'mnist:0/801,1/801,2/99999' })`);
    await waitIdle(page);
    expect((await appErrors(page)).at(-1)).toMatch(/digit 2 has samples 0\.\.\d+; the previous net stays/);
    expect(await urlHash(page)).toBe(before);
    // A 2-input net and MNIST images: refused at start, the default net shown.
    const other = await openApp(harness, '#widths=8,8&plane=mnist:0/800,1/800,2/800');
    expect((await appErrors(other.page)).join('\n')).toMatch(/784 pixels but the net has 2 inputs/);
    expect(await urlHash(other.page)).not.toContain('plane=');
    // A malformed plane in the URL: a message, the plane ignored.
    const third = await openApp(harness, '#widths=8,8&plane=mnist:1/2');
    expect((await appErrors(third.page)).join('\n')).toMatch(/URL: plane: plane "mnist:1\/2": expected mnist:D\/I/);
    for (const p of [page, other.page, third.page]) await p.close();
  });
});
