/**
 * The analysis panel: the segment probe's exact walk and output plot; the exact regions in the view (float64
 * polygons, in a worker, with progress and cancel) next to the distinct pixel patterns; the distance histogram of
 * the view's pixels; the theorem's predicted boundary length next to the measured one.
 */

import { histogram } from '../../analysis/distance.ts';
import type { ViewRegions } from '../../analysis/polygons.ts';
import { kInstabilityEpsilons, type SawtoothCount } from '../../analysis/sawtooth.ts';
import type { SegmentWalk } from '../../analysis/segment.ts';
import type { FieldsData } from '../../gpu/renderer.ts';
import { distinctPatterns } from '../../model/fieldsFile.ts';
import { formatValue } from '../../model/format.ts';
import { graphOf, type Network, neuronTotal } from '../../model/graph/graph.ts';
import type { ImageSize, View } from '../../model/view.ts';
import type { Settings } from '../../settings/settings.ts';
import type { Messages } from '../messages.ts';
import { HistogramChart, OutputChart, PerturbationChart } from './charts.ts';
import { AnalysisClient, CancelledError } from './client.ts';
import { SegmentProbe } from './probe.ts';

/** What the panel needs from the app. */
export interface AnalysisHost {
  readonly net: Network;
  readonly settings: Settings;
  readonly view: View;
  readonly size: ImageSize;
  readonly layers: number;
  update(patch: Partial<Settings>): boolean;
  /** The fields of the picture on screen. */
  readFields(): Promise<FieldsData>;
  /** The theorem's integral over the shown view (theorem colour mode only; null otherwise). */
  readonly lastTheoremIntegral: number | null;
}

/** The results the panel shows (also read by the tests). */
export interface ViewAnalysis {
  readonly view: View;
  readonly size: ImageSize;
  readonly layers: number;
  readonly exact: ViewRegions;
  readonly seconds: number;
  readonly pixelPatterns: number;
  readonly meanDistance: number;
  readonly theoremLength: number | null;
}

const kBins = 40;
/** Deeper sawtooths have too many regions (2^k) to walk 45 times. */
export const kMaxSweepDepth = 16;
/** Narrower windows start with the panel folded. */
const kOpenWidth = 900;

const fmt = (value: number): string => formatValue(value, { digits: 4 });

function div(parent: HTMLElement, className: string, text = ''): HTMLDivElement {
  const element = document.createElement('div');
  element.className = className;
  element.textContent = text;
  parent.append(element);
  return element;
}

function button(parent: HTMLElement, text: string, onClick: () => void): HTMLButtonElement {
  const element = document.createElement('button');
  element.textContent = text;
  element.addEventListener('click', onClick);
  parent.append(element);
  return element;
}

export class AnalysisPanel {
  lastWalk: SegmentWalk | null = null;
  lastView: ViewAnalysis | null = null;
  private readonly segmentWorker = new AnalysisClient('ReLUscope.segment');
  private readonly regionsWorker = new AnalysisClient('ReLUscope.regions');
  private readonly sawtoothWorker = new AnalysisClient('ReLUscope.sawtooth');
  private readonly sweepBlock: HTMLDivElement;
  private readonly viewBlock: HTMLDivElement;
  private readonly staleNote: HTMLDivElement;
  private readonly details: HTMLDetailsElement;
  /** What the count on show measured. */
  private counted: { net: Network; key: string } | null = null;
  private readonly sweepText: HTMLDivElement;
  private readonly sweepChart: PerturbationChart;
  private readonly probe: SegmentProbe;
  private readonly segmentText: HTMLDivElement;
  private readonly viewText: HTMLDivElement;
  private readonly progress: HTMLProgressElement;
  private readonly countButton: HTMLButtonElement;
  private readonly cancelButton: HTMLButtonElement;
  private readonly outputChart: OutputChart;
  private readonly outputPlot: HTMLDivElement;
  private readonly distancePlot: HTMLDivElement;
  private readonly distanceChart: HistogramChart;
  private walkKey = '';
  private walkNet: Network | null = null;
  private countNet: Network | null = null;

  constructor(
    canvas: HTMLCanvasElement,
    private readonly host: AnalysisHost,
    private readonly messages: Messages,
    /** Where the panel goes (above the readout). */
    dock: HTMLElement,
  ) {
    this.probe = new SegmentProbe(canvas, {
      view: () => host.view,
      size: () => host.size,
      setSegment: (segment) => host.update({ segment }),
    });
    // A <details>: open on a wide window, folded to its title on a small one (it would cover the picture).
    const details = document.createElement('details');
    this.details = details;
    details.id = 'analysis';
    details.open = window.innerWidth >= kOpenWidth;
    const summary = document.createElement('summary');
    summary.textContent = 'Analysis';
    details.append(summary);
    dock.prepend(details);
    const root = div(details, 'analysis-body');
    const segment = div(root, 'analysis-block');
    div(segment, 'analysis-title', 'Segment probe');
    this.segmentText = div(segment, 'analysis-text', 'shift-drag on the picture to probe a segment');
    this.outputPlot = div(segment, 'analysis-plot');
    this.outputPlot.hidden = true;
    this.outputChart = new OutputChart(this.outputPlot);
    button(segment, 'clear segment', () => host.update({ segment: [] }));
    const view = div(root, 'analysis-block');
    this.viewBlock = view;
    div(view, 'analysis-title', 'Regions in the view');
    this.staleNote = div(view, 'analysis-stale', 'the net or the view changed since this count: count again');
    this.staleNote.hidden = true;
    this.countButton = button(view, 'count exactly', () => void this.analyzeView());
    this.cancelButton = button(view, 'cancel', () => this.regionsWorker.cancel());
    this.cancelButton.disabled = true;
    this.progress = document.createElement('progress');
    this.progress.hidden = true;
    view.append(this.progress);
    this.viewText = div(view, 'analysis-text', 'exact float64 polygons of the view (runs in the background)');
    this.distancePlot = div(view, 'analysis-plot');
    this.distancePlot.hidden = true;
    this.distanceChart = new HistogramChart(this.distancePlot, 'distance to the boundary (input units)');
    this.sweepBlock = div(root, 'analysis-block');
    this.sweepBlock.hidden = true;
    div(this.sweepBlock, 'analysis-title', 'Sawtooth instability');
    this.sweepText = div(this.sweepBlock, 'analysis-text');
    this.sweepChart = new PerturbationChart(div(this.sweepBlock, 'analysis-plot'));
  }

  /** Regions of the depth-k sawtooth along [0, 1] as the perturbation grows (mean over `seeds` seeds). */
  async sawtoothSweep(depth: number, seeds = 5): Promise<SawtoothCount[] | null> {
    const k = Math.min(depth, kMaxSweepDepth);
    this.sweepBlock.hidden = false;
    this.sweepText.textContent = `walking the depth-${k} sawtooth for ${kInstabilityEpsilons.length} perturbations…`;
    try {
      const counts = await this.sawtoothWorker.sawtooth(k, kInstabilityEpsilons, seeds);
      const rows = counts.map(
        (c) => `ε ${c.epsilon === 0 ? 0 : c.epsilon.toExponential(0)}: ${c.meanRegions.toFixed(1)}`,
      );
      this.sweepText.textContent =
        `depth ${k}${depth > k ? ` (at most ${kMaxSweepDepth} here)` : ''}: regions along [0, 1], mean of ${seeds} ` +
        `seeds (exact: ${2 ** k})\n${rows.join('\n')}`;
      this.sweepChart.show(
        counts.map((c) => c.epsilon),
        counts.map((c) => c.meanRegions),
      );
      this.bringIntoView(this.sweepBlock);
      return counts;
    } catch (error) {
      if (!(error instanceof CancelledError)) this.messages.error(`sawtooth sweep failed: ${(error as Error).message}`);
      return null;
    }
  }

  /** What a count of the view measures: the net (each net setting makes a new one), view, image size, layers. */
  private measuredKey(): { net: Network; key: string } {
    return { net: this.host.net, key: JSON.stringify([this.host.view, this.host.size, this.host.layers]) };
  }

  /** Shows `block` (a result just computed): the panel opens and scrolls to it. */
  private bringIntoView(block: HTMLElement): void {
    this.details.open = true;
    block.scrollIntoView({ block: 'nearest' });
  }

  /**
   * Called after every settings change and frame: redraws the probe, re-walks the segment when it changed, marks a
   * count of another net or view stale.
   */
  refresh(): void {
    this.probe.draw();
    const now = this.measuredKey();
    const stale = this.counted !== null && (this.counted.net !== now.net || this.counted.key !== now.key);
    this.viewBlock.classList.toggle('stale', stale);
    this.staleNote.hidden = !stale;
    if (!stale) this.showTheorem();
    // A count of another net's regions is of no use any more.
    if (this.regionsWorker.busy && this.countNet !== this.host.net) this.regionsWorker.cancel();
    const segment = this.host.settings.segment;
    // The net object changes with every net setting (widths, sigma_b, seed, file, preset).
    const unit = this.host.settings.unit;
    const key = JSON.stringify([segment, this.host.layers, unit]);
    const netKey = this.host.net;
    if (key === this.walkKey && netKey === this.walkNet) return;
    this.walkKey = key;
    this.walkNet = netKey;
    const [x0, y0, x1, y1] = segment;
    if (x0 === undefined || y0 === undefined || x1 === undefined || y1 === undefined) {
      this.lastWalk = null;
      this.probe.show([], []);
      this.segmentText.textContent = 'shift-drag on the picture to probe a segment';
      this.outputPlot.hidden = true;
      return;
    }
    this.segmentText.textContent = 'walking the segment…';
    this.probe.show(segment, []);
    this.segmentWorker.segment(netKey, [x0, y0], [x1, y1], this.host.layers, unit).then(
      ({ walk, seconds }) => {
        if (this.walkKey !== key || this.walkNet !== netKey) return;
        this.lastWalk = walk;
        this.probe.show(segment, walk.breakpoints);
        this.outputPlot.hidden = false;
        this.outputChart.show(walk.length, walk.breakpoints, walk.outputs);
        this.segmentText.textContent =
          `${walk.regions.toLocaleString('en')} regions crossed (exact, ${(seconds * 1000).toFixed(0)} ms)\n` +
          `length ${fmt(walk.length)} · ${walk.neurons} neurons\n` +
          `regions / length / neurons = ${fmt(walk.regionsPerUnitLengthPerNeuron)}`;
      },
      (error: Error) => {
        if (!(error instanceof CancelledError)) this.messages.error(`segment walk failed: ${error.message}`);
      },
    );
  }

  /** Exact regions of the current view (worker) next to the pixels' distinct patterns and distances. */
  async analyzeView(): Promise<ViewAnalysis | null> {
    if (this.regionsWorker.busy) return null;
    const { net, view, size, layers } = this.host;
    this.countNet = net;
    const half = view.span / 2;
    const halfHeight = (view.span * size.height) / size.width / 2;
    const rect = { x0: view.cx - half, y0: view.cy - halfHeight, x1: view.cx + half, y1: view.cy + halfHeight };
    this.setRunning(true);
    this.viewText.textContent = 'enumerating the regions of the view…';
    try {
      const fields = await this.host.readFields();
      if (JSON.stringify([this.host.view, this.host.size]) !== JSON.stringify([view, size])) {
        throw new Error('the view changed while its pixels were computed; count again');
      }
      const theoremLength = this.host.lastTheoremIntegral;
      const { regions: exact, seconds } = await this.regionsWorker.regions(net, rect, layers, (done, total) => {
        this.progress.max = total;
        this.progress.value = done;
      });
      const finite = fields.distance.filter((d) => Number.isFinite(d));
      const meanDistance = finite.reduce((s, d) => s + d, 0) / Math.max(1, finite.length);
      const result: ViewAnalysis = {
        view,
        size,
        layers,
        exact,
        seconds,
        pixelPatterns: distinctPatterns(fields),
        meanDistance,
        theoremLength,
      };
      this.lastView = result;
      this.counted = this.measuredKey();
      this.showView(result);
      const { edges, counts } = histogram(fields.distance, kBins);
      this.distancePlot.hidden = false;
      this.distanceChart.show(edges, counts);
      this.refresh();
      this.bringIntoView(this.viewBlock);
      return result;
    } catch (error) {
      this.viewText.textContent = error instanceof CancelledError ? 'cancelled' : `failed: ${(error as Error).message}`;
      if (!(error instanceof CancelledError)) this.messages.error(`region count failed: ${(error as Error).message}`);
      return null;
    } finally {
      this.setRunning(false);
    }
  }

  private setRunning(running: boolean): void {
    this.countButton.disabled = running;
    this.cancelButton.disabled = !running;
    this.progress.hidden = !running;
    this.progress.removeAttribute('value');
  }

  /**
   * A count made outside the theorem mode gets the theorem's prediction when the theorem picture of the same net,
   * view and layers is computed (the count is not stale): the integral the scheduler has then is of that picture.
   */
  private showTheorem(): void {
    const view = this.lastView;
    if (!view || view.theoremLength !== null) return;
    const theoremLength = this.host.settings.mode === 'theorem' ? this.host.lastTheoremIntegral : null;
    if (theoremLength !== null) this.lastView = { ...view, theoremLength };
    this.showView(this.lastView ?? view);
  }

  private showView(result: ViewAnalysis): void {
    const { exact, pixelPatterns, meanDistance, theoremLength } = result;
    const neurons = neuronTotal(graphOf(this.host.net));
    const { cx, cy, span } = result.view;
    const lines = [
      `view centred (${fmt(cx)}, ${fmt(cy)}), span ${fmt(span)}, ${result.size.width}×${result.size.height} px:`,
      `${exact.regions.toLocaleString('en')} regions exactly (${result.seconds.toFixed(2)} s)`,
      `${pixelPatterns.toLocaleString('en')} distinct pixel patterns (${(exact.regions - pixelPatterns).toLocaleString('en')} regions too small for a pixel)`,
      `boundary length ${fmt(exact.boundaryLength)} in area ${fmt(exact.area)}`,
      `length / area / neurons = ${fmt(exact.boundaryDensityPerNeuron)}`,
      `mean region area ${fmt(exact.meanArea)}`,
      `mean distance over the pixels ${fmt(meanDistance)} · × neurons = ${fmt(meanDistance * neurons)}`,
    ];
    if (theoremLength !== null) {
      lines.push(`theorem: predicted length ${fmt(theoremLength)} (measured ${fmt(exact.boundaryLength)})`);
    } else if (this.host.settings.mode === 'theorem') {
      lines.push('theorem: the prediction comes with the theorem picture');
    } else {
      lines.push('theorem: switch the colour mode to "theorem" for the prediction');
    }
    this.viewText.textContent = lines.join('\n');
  }
}
