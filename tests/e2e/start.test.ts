/**
 * `npm start`: the app is built (when a source changed) and served; the server says which browser and flags the app
 * needs; the built app runs: the default net's picture, and the MNIST demo, whose model and digits are built assets.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../../src/cli/harness.ts';
import { appErrors, openApp, pixelStats } from '../support/appPage.ts';

let child: ChildProcess;
let output = '';
let harness: Harness;

beforeAll(async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  child = spawn('npm', ['start', '--', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in 120 s:\n${output}`)), 120_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      if (/--use-vulkan=swiftshader .*http/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
  });
  harness = await startHarness();
}, 180_000);

afterAll(async () => {
  if (child?.pid) process.kill(-child.pid, 'SIGTERM');
  await harness?.close();
});

function startUrl(): string {
  const url = output.match(/open (http:\/\/127\.0\.0\.1:\d+\/) in Chrome/)?.[1];
  if (!url) throw new Error(`no address in:\n${output}`);
  return url.replace(/\/$/, '');
}

describe('npm start', () => {
  it('prints the address, that WebGPU is needed, and the Chrome flags with and without a GPU', () => {
    const url = `${startUrl()}/`;
    expect(output).toContain('ReLUscope needs a browser with WebGPU');
    expect(output).toContain(`--enable-unsafe-webgpu --enable-features=Vulkan --use-angle=vulkan ${url}`);
    expect(output).toContain(
      `--enable-unsafe-webgpu --enable-features=Vulkan --use-vulkan=swiftshader --use-angle=vulkan ${url}`,
    );
  });

  it('serves the built app: one script, the default picture, no errors', async () => {
    const { page, consoleErrors } = await openApp({ browser: harness.browser, origin: startUrl() }, '#span=3');
    const scripts = (await page.evaluate(
      `performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'script').map((e) => e.name)`,
    )) as string[];
    expect(scripts.length, scripts.join('\n')).toBe(1);
    expect(scripts[0]).toMatch(/\/assets\/index-[\w-]+\.js$/);
    expect((await pixelStats(page)).distinctColours).toBeGreaterThan(20);
    expect(await appErrors(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });

  it('the MNIST demo: the bundled model and the digits are served as built assets', async () => {
    const { page, consoleErrors } = await openApp({ browser: harness.browser, origin: startUrl() }, '#net=mnist-mlp');
    expect(await page.evaluate('window.reluscope.app.sliced.model.inputDim')).toBe(784);
    expect(await page.evaluate('window.reluscope.app.sliced.plane.marks.length')).toBe(3);
    expect(await appErrors(page)).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
