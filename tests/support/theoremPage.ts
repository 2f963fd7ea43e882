/**
 * Runs in Chromium (tests/support/theorem.html): the renderer's theorem mode for tests/gpu/theorem.test.ts, which
 * compares it with the float64 main formula. Any GPU error fails the call.
 */
import { requestDevice } from '../../src/gpu/device.ts';
import type { Algorithm } from '../../src/gpu/layout.ts';
import { Renderer } from '../../src/gpu/renderer.ts';
import { parseNet } from '../../src/model/files/netFile.ts';
import type { View } from '../../src/model/view.ts';

export interface TheoremCall {
  netJson: string;
  view: View;
  width: number;
  height: number;
  layers: number;
  sigmaB: number;
  algorithm: Algorithm;
  /** Computed in bounded steps of this budget (tiny: wide layers split into parts), else in one go. */
  budgetMs?: number;
}

export interface TheoremReply {
  /** Per-pixel integrand, row-major from the top-left pixel. */
  integrand: number[];
  /** The renderer's integral over the view. */
  integral: number | null;
  /** What computeFields returned: the largest integrand. */
  range: number;
  evaluations: number;
  /** Distinct colours of the theorem-mode picture. */
  colours: number;
  /** The integral after a frame in another colour mode (should be null). */
  integralAfterRegions: number | null;
  /** The integral after regions of the same view (the theorem mode's fields serve them). */
  integralAfterSameRegions: number | null;
}

const errors: string[] = [];
const renderer = (async () => {
  const device = await requestDevice(navigator.gpu, 'theoremTest.device');
  device.addEventListener('uncapturederror', (event) => errors.push(event.error.message));
  return Renderer.create(device);
})();

function distinctColours(rgba: Uint8Array): number {
  const colours = new Set<number>();
  for (let i = 0; i < rgba.length; i += 4)
    colours.add(((rgba[i] ?? 0) << 16) | ((rgba[i + 1] ?? 0) << 8) | (rgba[i + 2] ?? 0));
  return colours.size;
}

async function theorem(call: TheoremCall): Promise<TheoremReply> {
  const parsed = parseNet(call.netJson);
  if (!parsed.ok) throw new Error(parsed.error);
  const r = await renderer;
  r.setNet(parsed.net);
  const size = { width: call.width, height: call.height };
  const settings = {
    view: call.view,
    layersShown: call.layers,
    mode: 'theorem' as const,
    sigmaB: call.sigmaB,
    algorithm: call.algorithm,
  };
  if (call.budgetMs !== undefined) {
    const computation = await r.beginFields(size, settings, [1]);
    if (computation) while (!(await computation.step(call.budgetMs)).done);
  }
  const range = (await r.computeFields(size, settings)).theoremMax ?? Number.NaN;
  const integrand = await r.readTheorem();
  const integral = await r.theoremIntegral();
  const cost = await r.fieldsSummary();
  const rgba = await r.readPixels(size, { ...settings, palette: 'vivid', edgeWidth: 1 });
  // Regions of the same view: served by the theorem mode's fields (they hold the pattern and distance too).
  await r.computeFields(size, { ...settings, mode: 'regions' });
  const integralAfterSameRegions = await r.theoremIntegral();
  // Regions of another view: new fields, without the integrand.
  await r.computeFields(size, {
    ...settings,
    view: { ...settings.view, cx: settings.view.cx + 1e-3 },
    mode: 'regions',
  });
  const integralAfterRegions = await r.theoremIntegral();
  if (errors.length > 0) throw new Error(errors.join('\n'));
  if (!integrand) throw new Error('no integrand in theorem mode');
  return {
    integrand: Array.from(integrand),
    integral,
    range,
    evaluations: cost.evaluations,
    colours: distinctColours(rgba),
    integralAfterRegions,
    integralAfterSameRegions,
  };
}

Object.assign(window, { theoremTest: { theorem, ready: renderer.then(() => true) } });
