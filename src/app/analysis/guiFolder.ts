/** The panel's "Analysis" folder: exact counts, and Telgarsky's sawtooth presets (exact and perturbed). */
import type GUI from 'lil-gui';
import { formatPreset, kMaxSawtoothDepth } from '../../model/presetSpec.ts';
import type { App } from '../app.ts';
import type { AnalysisPanel } from './panel.ts';

export function addAnalysisFolder(gui: GUI, app: App, panel: AnalysisPanel): void {
  const folder = gui.addFolder('Analysis');
  const proxy = {
    count: () => void panel.analyzeView(),
    depth: 6,
    epsilon: 0,
    seed: 1,
    sawtooth: () => {
      const net = formatPreset({ depth: proxy.depth, epsilon: proxy.epsilon, seed: proxy.seed });
      // The sawtooth's 2^k regions lie along x in [0, 1]; the probe walks that segment.
      app.update({ net, layers: 0, cx: 0.5, cy: 0.5, span: 1.25, segment: [0, 0.5, 1, 0.5] });
    },
    theorem: () => app.update({ mode: 'theorem' }),
    sweep: () => void panel.sawtoothSweep(proxy.depth),
  };
  folder.add(proxy, 'count').name('count regions in view (exact)');
  folder.add(proxy, 'theorem').name('colour by the theorem’s integrand');
  const sawtooth = folder.addFolder('Telgarsky sawtooth');
  sawtooth.add(proxy, 'depth', 1, kMaxSawtoothDepth, 1).name('depth k (2^k regions)');
  sawtooth.add(proxy, 'epsilon', 0, 0.5, 0.0001).name('perturbation ε');
  sawtooth.add(proxy, 'seed', 1, 1000, 1).name('perturbation seed');
  sawtooth.add(proxy, 'sawtooth').name('show the sawtooth');
  sawtooth.add(proxy, 'sweep').name('regions along [0, 1] as ε grows');
}
