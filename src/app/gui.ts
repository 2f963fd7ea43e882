/** The lil-gui panel: a view of the settings object; every edit goes through App.update. */
import GUI, { type Controller } from 'lil-gui';
import { kAlgorithms, kColourModes, kPalettes } from '../gpu/layout.ts';
import { depthOf, isGraph, outputsOf, stageWidths } from '../model/graph/graph.ts';
import { hiddenWidths } from '../model/net.ts';
import { kLimits, kSettingsTable, layersShown, type Settings, settingsFromParams } from '../settings/settings.ts';
import type { App } from './app.ts';
import type { ZoomDemo } from './demo.ts';
import type { Messages } from './messages.ts';
import { downloadGraph, downloadNet, downloadSafetensors, readNetFile } from './netStore.ts';
import { addPlaneFolder } from './planeGui.ts';

/** Windows narrower than this start with the panel folded. */
const kOpenWidth = 1000;

export function buildGui(app: App, messages: Messages, demo: ZoomDemo): GUI {
  const gui = new GUI({ title: 'ReLUscope' });
  const fileInput = document.createElement('input');
  fileInput.type = 'file';
  fileInput.accept = '.json,.pt,.pth,.safetensors,application/json';
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

  /**
   * A value typed or picked in the panel goes through the settings table's parser, as a URL value does: a bad one is
   * refused with a message, an out-of-range one clamped with a message. The app may still refuse the net.
   */
  const apply = (key: keyof Settings, value: string | number, extra: Partial<Settings> = {}): void => {
    const { settings, messages: problems } = settingsFromParams(
      new URLSearchParams({ [key]: String(value) }),
      app.settings,
    );
    for (const problem of problems) messages.error(problem);
    if (!app.update({ [key]: settings[key], ...extra }) || problems.length > 0) refresh(app.settings, depthOf(app.net));
  };

  // The panel edits this proxy; onFinishChange hands the values to `apply`.
  const proxy = {
    widths: '',
    sigmaB: 0,
    seed: 0,
    outputs: 1,
    layers: 1,
    unit: 0,
    mode: app.settings.mode as string,
    edgeWidth: 0,
    palette: app.settings.palette as string,
    algorithm: app.settings.algorithm as string,
    resample: () => app.update({ seed: (app.settings.seed + 1) >>> 0 }),
    load: () => fileInput.click(),
    // The net as read (all its inputs), not its slice.
    save: () => {
      const model = app.sliced.model;
      if (isGraph(model)) downloadGraph(model, `relu-graph-${stageWidths(model).length}-stages.json`);
      else downloadNet(model, `relu-mlp-${hiddenWidths(model).join('x')}.json`);
    },
    saveSafetensors: () => {
      const model = app.sliced.model;
      if (isGraph(model)) messages.error('safetensors holds MLPs only: save a graph as JSON (relu-graph)');
      else downloadSafetensors(model, `relu-mlp-${hiddenWidths(model).join('x')}.safetensors`);
    },
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
  const widths = network
    .add(proxy, 'widths')
    .name('hidden widths')
    .onFinishChange((text: string) => apply('widths', text, { layers: 0 }));
  help(widths, kSettingsTable.widths.help);
  // A number field, not a slider: sigma_b ranges over [0, kLimits.maxSigmaB], and useful values are below 2.
  const sigmaB = network
    .add(proxy, 'sigmaB')
    .min(0)
    .step(0.01)
    .name('sigma_b')
    .onFinishChange((v: number) => apply('sigmaB', v));
  help(sigmaB, kSettingsTable.sigmaB.help);
  const seed = network
    .add(proxy, 'seed')
    .step(1)
    .name('seed')
    .onFinishChange((v: number) => apply('seed', v));
  help(seed, kSettingsTable.seed.help);
  const outputs = network
    .add(proxy, 'outputs')
    .min(1)
    .step(1)
    .name('outputs')
    .onFinishChange((v: number) => apply('outputs', v, { unit: 0 }));
  help(outputs, kSettingsTable.outputs.help);
  const resample = network.add(proxy, 'resample').name('resample (new seed)');
  help(resample, 'the next seed: another random net of the same widths');
  help(
    network.add(proxy, 'load').name('load net file…'),
    'show a net from a relu-mlp JSON file, a PyTorch state_dict (.pt, .pth) or a .safetensors file (or drop one)',
  );
  help(network.add(proxy, 'save').name('save net as relu-mlp'), 'download the net shown as a relu-mlp JSON file');
  help(
    network.add(proxy, 'saveSafetensors').name('save net as safetensors'),
    'download the net shown as a float32 .safetensors file named as a PyTorch nn.Sequential (0.weight, 0.bias, 2.weight, ...)',
  );
  const picture = gui.addFolder('Picture');
  const layers: Controller = picture
    .add(proxy, 'layers', 1, 1, 1)
    .name('layers shown')
    .onChange((k: number) => {
      app.update({ layers: k >= depthOf(app.net) ? 0 : k });
    });
  help(layers, kSettingsTable.layers.help);
  // The slider's range is the net's units (at least 0..1: lil-gui divides by its width); disabled for one unit.
  const unit: Controller = picture
    .add(proxy, 'unit', 0, 1, 1)
    .name('output unit')
    .onChange((u: number) => apply('unit', u));
  help(unit, kSettingsTable.unit.help);
  const choices = [
    ['mode', 'colour mode', kColourModes],
    ['palette', 'palette', kPalettes],
    ['algorithm', 'algorithm', kAlgorithms],
  ] as const;
  for (const [key, name, values] of choices) {
    const controller = picture
      .add(proxy, key, [...values])
      .name(name)
      .onChange((value: string) => apply(key, value));
    help(controller, kSettingsTable[key].help);
    if (key === 'mode') {
      const edge = picture
        .add(proxy, 'edgeWidth', 0, kLimits.maxEdgeWidth, 0.25)
        .name('edge width (px)')
        .onChange((v: number) => apply('edgeWidth', v));
      help(edge, kSettingsTable.edgeWidth.help);
    }
  }
  help(picture.add(proxy, 'resetView').name('reset view (0)'), 'back to the default view: centre (0, 0), span 4');
  const performance = gui.addFolder('Performance');
  help(
    performance.add(proxy, 'demo').name('fly a zoom path (start / stop)'),
    'zoom in and out along a fixed path and count frames a second',
  );
  help(
    performance.add(proxy, 'bigDemo').name('zoom demo on a 4 x 1024 net'),
    'the zoom path on a net of 4096 neurons (on a CPU-only WebGPU it shows coarse previews)',
  );
  performance.close();

  const refresh = (settings: Settings, depth: number): void => {
    proxy.widths = settings.widths.join(',');
    proxy.sigmaB = settings.sigmaB;
    proxy.seed = settings.seed;
    proxy.outputs = outputsOf(app.net);
    proxy.layers = layersShown(settings, depth);
    proxy.unit = settings.unit;
    proxy.mode = settings.mode;
    proxy.edgeWidth = settings.edgeWidth;
    proxy.palette = settings.palette;
    proxy.algorithm = settings.algorithm;
    layers.max(depth);
    const units = outputsOf(app.net);
    unit.max(Math.max(1, units - 1));
    unit.enable(units > 1 && settings.mode === 'output');
    // A loaded file or a built-in net has its own widths and weights: those controls do not apply. sigma_b still
    // sets the theorem mode's bias density.
    const random = settings.net === '';
    for (const controller of [widths, seed, outputs, resample]) controller.enable(random);
    widths.name(random ? 'hidden widths' : 'hidden widths (of the net shown)');
    sigmaB.name(random ? 'sigma_b' : 'sigma_b (theorem density)');
    for (const controller of gui.controllersRecursive()) controller.updateDisplay();
  };
  const refreshPlane = addPlaneFolder(gui, app, apply);
  app.listeners.push({ settingsChanged: refresh });
  app.listeners.push({ settingsChanged: refreshPlane });
  refreshPlane();
  // On a narrow window the panel starts folded to its title: open, it would cover a third of the picture.
  if (window.innerWidth < kOpenWidth) gui.close();
  refresh(app.settings, depthOf(app.net));
  return gui;
}

/** A control's help, shown as its tooltip. */
function help(controller: Controller, text: string): void {
  controller.domElement.title = text;
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
