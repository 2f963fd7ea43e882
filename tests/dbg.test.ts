import { it } from 'vitest';
import { startHarness } from '../src/cli/harness.ts';
it('x', async () => {
  const h = await startHarness();
  try {
    const { page, consoleErrors } = await h.newPage('/');
    await page.setViewport({ width: 640, height: 480 });
    const t0 = Date.now();
    await page.waitForFunction('window.reluscope && (window.reluscope.failed || (window.reluscope.app && window.reluscope.app.idle))', { timeout: 60000 });
    console.log('ready in', Date.now() - t0, await page.evaluate('JSON.stringify({f: window.reluscope.failed, e: window.reluscope.errors, url: location.hash, ms: window.reluscope.app && window.reluscope.app.lastFrame})'));
    await page.screenshot({ path: '/tmp/shot.png' });
    console.log(consoleErrors);
  } finally { await h.close(); }
});
