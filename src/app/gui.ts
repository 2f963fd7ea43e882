/** The lil-gui panel: a view of the settings object; every edit goes through App.update. */
import GUI, { type Controller } from 'lil-gui';
import { kAlgorithms, kColourModes, kPalettes } from '../gpu/layout.ts';
import { hiddenWidths } from '../model/net.ts';
import type { App } from './app.ts';
import type { ZoomDemo } from './demo.ts';
import type { Messages } from './messages.ts';
import { downloadNet, readNetFile } from './netStore.ts';
import { layersShown, parseWidths, type Settings } from './settings.ts';

export function buildGui(app: App, messages: Messages, demo: ZoomDemo): GUI {
  const gui = new GUI({ title: 'ReLUscope' });
  const fileInput = document.createElement('input');
  fileInput.type = 'file';
  fileInput.accept = '.json,application/json';
  fileInput.hidden = true;
  document.body.append(fileInput);

  const loadFile = async (file: File): Promise<void> => {
    const read = await readNetFile(file);
    if ('error' in read) {
      messages.error(`${read.error}; the previous net stays`);
      return;
    }
    app.showLoadedNet(read.net, read.text, file.name);
  };
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void loadFile(file);
    fileInput.value = '';
  });
  attachDrop(loadFile);

  // The panel edits this proxy; onFinishChange hands the values to the app, which may refuse them.
  const proxy = {
    widths: '',
    sigmaB: 0,
    seed: 0,
    layers: 1,
    mode: app.settings.mode as string,
    edgeWidth: 0,
    palette: app.settings.palette as string,
    algorithm: app.settings.algorithm as string,
    resample: () => app.update({ seed: (app.settings.seed + 1) >>> 0 }),
    load: () => fileInput.click(),
    save: () => downloadNet(app.net, `relu-mlp-${hiddenWidths(app.net).join('x')}.json`),
    resetView: () => app.resetView(),
    demo: () => {
      if (demo.active) demo.stop();
      else void demo.start();
    },
    bigDemo: () => {
      if (app.update({ widths: [1024, 1024, 1024, 1024], sigmaB: 0.1, seed: 1, cx: 0.3, cy: 0.2, span: 2 })) {
        void demo.start();
      }
    },
  };
  const network = gui.addFolder('Network');
  network
    .add(proxy, 'widths')
    .name('hidden widths')
    .onFinishChange((text: string) => {
      const parsed = parseWidths(text);
      if (typeof parsed === 'string') {
        messages.error(parsed);
        refresh(app.settings, app.net.hidden.length);
      } else {
        app.update({ widths: parsed.value, layers: 0 });
      }
    });
  network
    .add(proxy, 'sigmaB', 0, 2, 0.01)
    .name('sigma_b')
    .onFinishChange((v: number) => app.update({ sigmaB: v }));
  network
    .add(proxy, 'seed')
    .step(1)
    .name('seed')
    .onFinishChange((v: number) => app.update({ seed: Math.round(v) >>> 0 }));
  network.add(proxy, 'resample').name('resample (new seed)');
  network.add(proxy, 'load').name('load relu-mlp file…');
  network.add(proxy, 'save').name('save net as relu-mlp');
  const picture = gui.addFolder('Picture');
  const layers: Controller = picture
    .add(proxy, 'layers', 1, 1, 1)
    .name('layers shown')
    .onChange((k: number) => {
      app.update({ layers: k >= app.net.hidden.length ? 0 : k });
    });
  picture
    .add(proxy, 'mode', [...kColourModes])
    .name('colour mode')
    .onChange((mode: Settings['mode']) => app.update({ mode }));
  picture
    .add(proxy, 'edgeWidth', 0, 8, 0.25)
    .name('edge width (px)')
    .onChange((v: number) => app.update({ edgeWidth: v }));
  picture
    .add(proxy, 'palette', [...kPalettes])
    .name('palette')
    .onChange((palette: Settings['palette']) => app.update({ palette }));
  picture
    .add(proxy, 'algorithm', [...kAlgorithms])
    .name('algorithm')
    .onChange((algorithm: Settings['algorithm']) => app.update({ algorithm }));
  picture.add(proxy, 'resetView').name('reset view (0)');
  const performance = gui.addFolder('Performance');
  performance.add(proxy, 'demo').name('fly a zoom path (start / stop)');
  performance.add(proxy, 'bigDemo').name('zoom demo on a 4 x 1024 net');

  const refresh = (settings: Settings, depth: number): void => {
    proxy.widths = settings.widths.join(',');
    proxy.sigmaB = settings.sigmaB;
    proxy.seed = settings.seed;
    proxy.layers = layersShown(settings, depth);
    proxy.mode = settings.mode;
    proxy.edgeWidth = settings.edgeWidth;
    proxy.palette = settings.palette;
    proxy.algorithm = settings.algorithm;
    layers.max(depth);
    for (const controller of gui.controllersRecursive()) controller.updateDisplay();
  };
  app.listeners.push({ settingsChanged: refresh });
  if (window.innerWidth < 640) gui.close();
  refresh(app.settings, app.net.hidden.length);
  return gui;
}

function attachDrop(load: (file: File) => Promise<void>): void {
  const hint = document.getElementById('drop-hint');
  window.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (hint) hint.hidden = false;
  });
  window.addEventListener('dragleave', () => {
    if (hint) hint.hidden = true;
  });
  window.addEventListener('drop', (event) => {
    event.preventDefault();
    if (hint) hint.hidden = true;
    const file = event.dataTransfer?.files[0];
    if (file) void load(file);
  });
}
