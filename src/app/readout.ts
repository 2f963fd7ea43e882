/**
 * The readout under the picture: what is being computed and how far it is (share of pixels, time left), a preview's
 * mark and its "compute full detail" button, what the last picture cost, where the view is (centre, zoom, a scale
 * bar), the colour scale, and the pixel under the cursor. It follows frames and settings (no polling).
 */

import { formatDuration, formatValue, ordinal } from '../model/format.ts';
import { graphOf, neuronTotal, outputsOf } from '../model/graph/graph.ts';
import { pixelSize } from '../model/view.ts';
import { kDefaultSettings } from '../settings/settings.ts';
import type { App } from './app.ts';
import type { ZoomDemo } from './demo.ts';
import type { Hover } from './hover.ts';
import { legend } from './legend.ts';

/** The largest 1, 2 or 5 times a power of ten not above `x`. */
export function niceLength(x: number): number {
  const power = 10 ** Math.floor(Math.log10(x));
  return [5, 2, 1].map((m) => m * power).find((length) => length <= x) ?? power;
}

/** The pixels a grid of stride `stride` computes: every pixel, every other pixel, every 4th pixel, ... */
export function everyNth(stride: number): string {
  return stride <= 1 ? 'every pixel' : stride === 2 ? 'every other pixel' : `every ${ordinal(stride)} pixel`;
}

/** "1 network evaluation", "0.0434 network evaluations". */
export function evaluations(count: number): string {
  const text = formatValue(count);
  return `${text} network evaluation${text === '1' ? '' : 's'}`;
}

/** Coordinates with as many decimals as a pixel of size `pixel` needs. */
function coordinate(x: number, pixel: number): string {
  const decimals = Math.min(17, Math.max(0, 1 - Math.floor(Math.log10(pixel))));
  return Math.abs(x) >= 1e6 ? x.toExponential(6) : x.toFixed(decimals);
}

function line(parent: HTMLElement, className: string): HTMLDivElement {
  const element = document.createElement('div');
  element.className = className;
  parent.append(element);
  return element;
}

export class Readout {
  private readonly status: HTMLDivElement;
  private readonly statusText: HTMLSpanElement;
  private readonly fullDetail: HTMLButtonElement;
  private readonly cost: HTMLDivElement;
  private readonly place: HTMLDivElement;
  private readonly scaleBar: HTMLSpanElement;
  private readonly scaleText: HTMLSpanElement;
  private readonly colours: HTMLDivElement;
  private readonly pixel: HTMLDivElement;
  private legendKey = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly app: App,
    private readonly demo: ZoomDemo,
    private readonly hover: Hover,
  ) {
    root.textContent = '';
    this.status = line(root, 'status');
    this.statusText = document.createElement('span');
    this.fullDetail = document.createElement('button');
    this.fullDetail.textContent = 'compute full detail';
    this.fullDetail.title = 'compute every pixel of this picture, however long it takes (it can still be cancelled)';
    this.fullDetail.addEventListener('click', () => app.scheduler.computeFullDetail());
    this.status.append(this.statusText, this.fullDetail);
    this.cost = line(root, 'cost');
    this.place = line(root, 'place');
    this.scaleBar = document.createElement('span');
    this.scaleBar.className = 'scale-bar';
    this.scaleText = document.createElement('span');
    this.colours = line(root, 'colours');
    this.pixel = line(root, 'pixel');
  }

  refresh(): void {
    this.showStatus();
    this.showCost();
    this.showPlace();
    this.showLegend();
    this.showPixel();
  }

  private showStatus(): void {
    const scheduler = this.app.scheduler;
    const progress = scheduler.progress;
    const preview = scheduler.showingPreview;
    this.root.classList.toggle('preview', preview);
    this.root.classList.toggle('computing', progress !== null && !progress.paused);
    this.fullDetail.hidden = !progress?.paused;
    // The finest grid done, what a preview shows exactly (none yet: the screen shows the last picture moved).
    const stride = progress && progress.gridStride > 0 ? everyNth(progress.gridStride) : '';
    const left = (p: { msLeft: number; measured: boolean; msLeftAtMost: number }): string =>
      p.measured
        ? `about ${formatDuration(p.msLeft)}`
        : `${formatDuration(p.msLeft)} to ${formatDuration(Math.max(p.msLeft, p.msLeftAtMost))}`;
    const demo = this.demo.active ? `demo: ${this.demo.framesPerSecond} frames/s · ` : '';
    if (progress?.paused) {
      this.statusText.textContent = `PREVIEW, exact at ${stride} · full detail: ${left(progress)} `;
    } else if (progress) {
      const share = (100 * progress.pixelsDone) / Math.max(1, progress.pixelsTotal);
      const shown = preview && stride !== '' ? ` · preview: ${stride}` : '';
      this.statusText.textContent = `${demo}computing ${share.toFixed(share < 10 ? 1 : 0)}% · ${left(progress)} left${shown}`;
    } else if (scheduler.lastFrame) {
      const frame = scheduler.lastFrame;
      const what = frame.computedFields ? 'computed' : 'recoloured';
      this.statusText.textContent = `${demo}${what} in ${formatDuration(frame.ms)}`;
    } else {
      this.statusText.textContent = 'computing the first picture…';
    }
  }

  /**
   * The net, the picture's size (once the canvas has its window's: its default 300 x 150 is no picture's), and what
   * the picture asked for costs: so far while it is computed, or once it is on screen. Nothing while the last
   * picture, of other settings, stands in for it.
   */
  private showCost(): void {
    const { app } = this;
    const { scheduler } = app;
    const { width, height } = app.size;
    const size = app.sizeKnown ? ` · ${width}×${height} px` : '';
    const neurons = `${neuronTotal(graphOf(app.net)).toLocaleString('en')} neurons${size}`;
    const progress = scheduler.progress;
    const summary = scheduler.currentSummary;
    if (progress && progress.pixelsDone > 0) {
      const perPixel = progress.evaluations / progress.pixelsDone;
      this.cost.textContent = `${neurons} · ${evaluations(perPixel)} a pixel so far (${progress.pass})`;
    } else if (summary && summary.pixels > 0) {
      const computed = summary.pixels - summary.reusedPixels;
      const perPixel = summary.evaluations / Math.max(1, computed);
      const reused =
        summary.reusedPixels > 0 ? `, ${Math.round((100 * summary.reusedPixels) / summary.pixels)}% moved` : '';
      this.cost.textContent = `${neurons} · ${evaluations(perPixel)} a pixel (${app.settings.algorithm}${reused})`;
    } else {
      this.cost.textContent = neurons;
    }
    const integral = app.lastTheoremIntegral;
    if (summary && app.settings.mode === 'theorem' && integral !== null) {
      this.cost.textContent += `\ntheorem: predicted boundary length in view ${formatValue(integral)}`;
    }
  }

  private showPlace(): void {
    const { view, size } = this.app;
    const pixel = pixelSize(view, size);
    const zoom = kDefaultSettings.span / view.span;
    const zoomText = formatValue(zoom);
    // The bar's length in CSS pixels: the canvas may have more device pixels than CSS pixels.
    const cssPixel = pixel * (size.width / Math.max(1, this.app.canvas.clientWidth || size.width));
    const length = niceLength(110 * cssPixel);
    this.scaleBar.style.width = `${(length / cssPixel).toFixed(1)}px`;
    this.scaleText.textContent = ` ${formatValue(length)}`;
    this.place.textContent = `centre (${coordinate(view.cx, pixel)}, ${coordinate(view.cy, pixel)}) · zoom ×${zoomText} · `;
    this.place.append(this.scaleBar, this.scaleText);
  }

  private showLegend(): void {
    const { app } = this;
    const summary = app.scheduler.shownSummary;
    const input = {
      mode: app.settings.mode,
      summary,
      layers: app.layers,
      imageWidth: app.size.width,
      pixelSize: pixelSize(app.view, app.size),
      units: outputsOf(app.net),
      unit: app.settings.unit,
    };
    const key = JSON.stringify([
      input.mode,
      input.units,
      input.unit,
      summary?.outputRange,
      summary?.reusedPixels,
      summary?.theoremMax,
      input.layers,
      input.imageWidth,
      input.pixelSize,
    ]);
    if (key === this.legendKey) return;
    this.legendKey = key;
    this.colours.replaceChildren(legend(input));
  }

  private showPixel(): void {
    const reading = this.hover.reading;
    if (!reading) {
      this.pixel.textContent = 'hover over the picture to read a pixel';
      return;
    }
    const { point, fields } = reading;
    const pixel = pixelSize(this.app.view, this.app.size);
    const hash = fields.hash
      .map((word) => word.toString(16).padStart(8, '0'))
      .reverse()
      .join('');
    const distance = Number.isFinite(fields.distance)
      ? `${formatValue(fields.distance)} (layer ${fields.nearestLayer})`
      : 'no boundary';
    const unit = this.app.settings.unit;
    const output =
      this.app.settings.mode === 'decision'
        ? `class ${fields.decision.predicted} (margin ${formatValue(fields.decision.margin)})`
        : `output${unit === 0 ? '' : ` ${unit}`} ${formatValue(fields.output)}`;
    this.pixel.textContent =
      `(${coordinate(point[0], pixel)}, ${coordinate(point[1], pixel)}): region ${hash} · ` +
      `distance ${distance} · ${output}`;
  }
}
