/** Entry point of the browser app. */
import { NoWebGPUError } from '../gpu/device.ts';
import { addAnalysisFolder } from './analysis/guiFolder.ts';
import { AnalysisPanel } from './analysis/panel.ts';
import { App } from './app.ts';
import { ZoomDemo } from './demo.ts';
import { buildGui } from './gui.ts';
import { Hover } from './hover.ts';
import { attachInput } from './input.ts';
import { Messages } from './messages.ts';
import { PlaneView } from './planeView.ts';
import { Readout } from './readout.ts';
import { DataOverlay } from './training/dataOverlay.ts';
import { addTrainingFolder } from './training/guiFolder.ts';
import { TrainingPanel } from './training/panel.ts';
import { TrainingSession } from './training/session.ts';

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
  training: TrainingSession | null;
  errors: string[];
  failed: string | null;
}

/**
 * Where a first visit's time goes (npm run bench reads them): the modules loaded (this function runs), the GPU ready
 * (device, renderer), the net made, the app started; then the scheduler's first grid and present (frameScheduler.ts).
 */
async function main(): Promise<void> {
  performance.mark('reluscope:modules');
  const canvas = element<HTMLCanvasElement>('view');
  const messages = new Messages(element('messages'));
  dockBelow(element('messages'));
  const handle: AppHandle = {
    app: null,
    demo: null,
    analysis: null,
    training: null,
    errors: messages.errors,
    failed: null,
  };
  Object.assign(window, { reluscope: handle });
  // The URL as given: the app writes its own settings into it as it starts, the Training folder reads its keys later.
  const given = new URLSearchParams(location.hash.replace(/^#/, ''));
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
  performance.mark('reluscope:started');
  // The first picture begins now, at the canvas's size as laid out (the resize observer below confirms it in device
  // pixels), and its GPU work goes on while the panels are built.
  app.resize(Math.round(canvas.clientWidth * devicePixelRatio), Math.round(canvas.clientHeight * devicePixelRatio));
  await new Promise((resolve) => setTimeout(resolve, 0));
  const demo = new ZoomDemo({
    view: () => app.view,
    setView: (view) => app.setView(view),
    frameDone: () => app.nextFrame(),
  });
  handle.demo = demo;
  const gui = buildGui(app, messages, demo);
  const panel = new AnalysisPanel(canvas, app, messages, element('dock'));
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
  const hover = new Hover(
    canvas,
    {
      view: () => app.view,
      size: () => app.size,
      net: () => app.net,
      layers: () => app.layers,
      unit: () => app.settings.unit,
    },
    () => {
      readout.refresh();
      planeView.refresh();
    },
  );
  const readout = new Readout(element('readout'), app, demo, hover);
  const planeView = new PlaneView(canvas, element('dock'), {
    plane: () => app.sliced.plane,
    model: () => app.sliced.model,
    view: () => app.view,
    size: () => app.size,
    cursor: () => hover.reading?.point ?? null,
  });
  const training = new TrainingSession(app, messages);
  handle.training = training;
  training.read(given);
  training.urlChanged = app.addHashPart(training);
  const trainingPanel = new TrainingPanel(element('dock'), training);
  const dataOverlay = new DataOverlay(canvas, {
    data: () => training.data,
    view: () => app.view,
    size: () => app.size,
  });
  const refreshTrainingFolder = addTrainingFolder(gui, training);
  training.listeners.push(() => {
    trainingPanel.refresh();
    dataOverlay.refresh();
    refreshTrainingFolder();
  });
  app.listeners.push({
    frameShown: () => {
      training.frameShown();
      trainingPanel.refresh();
      dataOverlay.refresh();
    },
    settingsChanged: () => dataOverlay.refresh(),
  });
  refreshTrainingFolder();
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
  // The readout follows the frames and the settings (no polling); the pixel under the cursor is read again when the
  // settings change (the view, the net, the layers).
  app.listeners.push({
    frameShown: () => {
      readout.refresh();
      planeView.refresh();
    },
    settingsChanged: () => {
      hover.refresh();
      readout.refresh();
      planeView.refresh();
    },
  });
  readout.refresh();
}

/**
 * The dock (bottom left) and the messages (top left) share the window's left column: the dock's top stays below the
 * messages' bottom (style.css reads --dock-top), whatever their number and the window's size.
 */
function dockBelow(messages: HTMLElement): void {
  const place = () => {
    const { bottom, height } = messages.getBoundingClientRect();
    document.documentElement.style.setProperty('--dock-top', `${height > 0 ? Math.ceil(bottom) + 6 : 8}px`);
  };
  new ResizeObserver(place).observe(messages);
  window.addEventListener('resize', place);
  place();
}

void main();
