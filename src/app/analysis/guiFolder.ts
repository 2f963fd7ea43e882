/** The panel's "Telgarsky sawtooth" folder: the exact and perturbed sawtooth presets, and the instability sweep. */
import type GUI from 'lil-gui';
import { formatPreset, kMaxSawtoothDepth } from '../../model/presetSpec.ts';
import type { App } from '../app.ts';
import type { AnalysisPanel } from './panel.ts';

export function addAnalysisFolder(gui: GUI, app: App, panel: AnalysisPanel): void {
  const folder = gui.addFolder('Telgarsky sawtooth');
  const proxy = {
    depth: 6,
    epsilon: 0,
    seed: 1,
    sawtooth: () => {
      const net = formatPreset({ depth: proxy.depth, epsilon: proxy.epsilon, seed: proxy.seed });
      // The sawtooth's 2^k regions lie along x in [0, 1]; the probe walks that segment.
      app.update({ net, layers: 0, cx: 0.5, cy: 0.5, span: 1.25, segment: [0, 0.5, 1, 0.5] });
    },
    sweep: () => void panel.sawtoothSweep(proxy.depth),
  };
  const controls = [
    [
      folder.add(proxy, 'depth', 1, kMaxSawtoothDepth, 1).name('depth k (2^k regions)'),
      'hidden layers of the sawtooth',
    ],
    [
      folder.add(proxy, 'epsilon', 0, 0.5, 0.0001).name('perturbation ε'),
      'every weight and bias gets ε times a standard normal',
    ],
    [folder.add(proxy, 'seed', 1, 1000, 1).name('perturbation seed'), 'seed of the perturbation'],
    [folder.add(proxy, 'sawtooth').name('show the sawtooth'), 'show this sawtooth and probe [0, 1] along y = 0.5'],
    [
      folder.add(proxy, 'sweep').name('regions along [0, 1] as ε grows'),
      'exact region counts along [0, 1] for growing ε (in the Analysis panel)',
    ],
  ] as const;
  for (const [controller, help] of controls) controller.domElement.title = help;
  folder.close();
}
