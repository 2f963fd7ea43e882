/** Entry point of the browser app. */
import { NoWebGPUError } from '../gpu/device.ts';
import { neuronCount } from '../model/net.ts';
import { addAnalysisFolder } from './analysis/guiFolder.ts';
import { AnalysisPanel } from './analysis/panel.ts';
import { App } from './app.ts';
import { ZoomDemo } from './demo.ts';
import { buildGui } from './gui.ts';
import { attachInput } from './input.ts';
import { Messages } from './messages.ts';
import { layersShown } from './settings.ts';

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from index.html`);
  return found as T;
}

/** What the tests and the CLI read from the page. */
export interface AppHandle {
  app: App | null;
  demo: ZoomDemo | null;
  analysis: AnalysisPanel | null;
  errors: string[];
  failed: string | null;
}

/** The edge colours of the `layers` mode, as shaders/colour.wgsl's layerColour makes them (OKLCh). */
function layerLegend(layers: number): HTMLElement {
  const legend = document.createElement('span');
  legend.append('layer ');
  for (let layer = 1; layer <= layers; layer++) {
    const swatch = document.createElement('span');
    swatch.textContent = String(layer);
    swatch.className = 'swatch';
    swatch.style.background = `oklch(0.55 0.16 ${(((layer - 1) / layers + 0.05) * 360).toFixed(1)})`;
    legend.append(swatch);
  }
  return legend;
}

async function main(): Promise<void> {
  const canvas = element<HTMLCanvasElement>('view');
  const messages = new Messages(element('messages'));
  const handle: AppHandle = { app: null, demo: null, analysis: null, errors: messages.errors, failed: null };
  Object.assign(window, { reluscope: handle });
  let app: App;
  try {
    app = await App.start(canvas, messages);
  } catch (error) {
    handle.failed = (error as Error).message;
    if (error instanceof NoWebGPUError) {
      element('no-webgpu').hidden = false;
      element('no-webgpu-reason').textContent = error.message;
      canvas.hidden = true;
    } else {
      messages.error(`ReLUscope could not start: ${(error as Error).message}`);
    }
    return;
  }
  handle.app = app;
  const demo = new ZoomDemo({
    view: () => app.view,
    setView: (view) => app.setView(view),
    frameDone: () => app.nextFrame(),
  });
  handle.demo = demo;
  const gui = buildGui(app, messages, demo);
  const panel = new AnalysisPanel(canvas, app, messages);
  handle.analysis = panel;
  addAnalysisFolder(gui, app, panel);
  app.listeners.push({ settingsChanged: () => panel.refresh(), frameShown: () => panel.refresh() });
  panel.refresh();
  attachInput(canvas, {
    view: () => app.view,
    size: () => app.size,
    setView: (view) => {
      demo.stop();
      app.setView(view);
    },
    resetView: () => {
      demo.stop();
      app.resetView();
    },
  });
  const readout = element('readout');
  const showReadout = (): void => {
    const frame = app.lastFrame;
    const { width, height } = app.size;
    const ms = frame
      ? `${frame.ms.toFixed(1)} ms/frame (${frame.computedFields ? 'fields + colour' : 'colour only'})`
      : '…';
    const cost = app.lastCost;
    const reused =
      cost && cost.reusedPixels > 0 ? `, ${Math.round((100 * cost.reusedPixels) / cost.pixels)}% of pixels reused` : '';
    const evaluations = cost
      ? `${(cost.evaluations / cost.pixels).toFixed(4)} evaluations/px (${app.settings.mode === 'theorem' ? 'brute: theorem mode' : app.settings.algorithm}${reused})`
      : '';
    const fps = demo.active
      ? `demo: ${demo.framesPerSecond} frames/s, span ${app.settings.span.toExponential(2)}\n`
      : '';
    const theorem =
      app.settings.mode === 'theorem' && app.lastTheoremIntegral !== null
        ? `\ntheorem: predicted boundary length in view ${app.lastTheoremIntegral.toPrecision(4)}`
        : '';
    readout.textContent = `${fps}${ms}\n${evaluations}\n${neuronCount(app.net)} neurons · ${width}×${height} = ${(width * height).toLocaleString('en')} px${theorem}`;
    if (app.settings.mode === 'layers')
      readout.append('\n', layerLegend(layersShown(app.settings, app.net.hidden.length)));
  };
  const observer = new ResizeObserver(([entry]) => {
    if (!entry) return;
    const device = entry.devicePixelContentBoxSize?.[0];
    const box = entry.contentBoxSize[0];
    const width = device ? device.inlineSize : Math.round((box?.inlineSize ?? 1) * devicePixelRatio);
    const height = device ? device.blockSize : Math.round((box?.blockSize ?? 1) * devicePixelRatio);
    app.resize(width, height);
  });
  try {
    observer.observe(canvas, { box: 'device-pixel-content-box' });
  } catch {
    observer.observe(canvas);
  }
  // The readout follows the frames and the settings (no polling); the panel refreshes itself on settings changes.
  app.listeners.push({ frameShown: showReadout, settingsChanged: showReadout });
  showReadout();
}

void main();
