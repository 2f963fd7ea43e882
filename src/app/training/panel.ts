/**
 * The training panel in the dock: where the run stands (step, epoch, loss, accuracies, steps a second), the timeline
 * of its checkpoints (a slider: choosing one shows its partition) and the measures through training, one chart at a
 * time (tabs: the dock shares the window's left column with the analysis panel and the readout). The label names the
 * net on the picture (picture.ts), never one still on its way.
 */
import { formatValue } from '../../model/format.ts';
import { TrainingCharts } from './charts.ts';
import type { TrainingSession } from './session.ts';

function div(parent: HTMLElement, className: string): HTMLDivElement {
  const element = document.createElement('div');
  element.className = className;
  parent.append(element);
  return element;
}

/** Narrower windows start with the panel folded (as the analysis panel). */
const kOpenWidth = 900;

const percent = (x: number): string => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');

export class TrainingPanel {
  readonly root: HTMLDetailsElement;
  private readonly status: HTMLDivElement;
  private readonly slider: HTMLInputElement;
  private readonly sliderLabel: HTMLSpanElement;
  private readonly liveButton: HTMLButtonElement;
  private readonly charts: TrainingCharts;
  private chartsKey = '';
  private analysis: HTMLDetailsElement | null = null;
  /** The panel opened last: it keeps its room. */
  private opened: HTMLDetailsElement;

  constructor(
    dock: HTMLElement,
    private readonly session: TrainingSession,
  ) {
    this.root = document.createElement('details');
    this.root.id = 'training';
    this.root.open = window.innerWidth >= kOpenWidth;
    this.root.hidden = true;
    const summary = document.createElement('summary');
    summary.textContent = 'Training';
    this.root.append(summary);
    const body = div(this.root, 'analysis-body');
    this.status = div(body, 'analysis-text training-status');
    const timeline = div(body, 'training-timeline');
    this.slider = document.createElement('input');
    this.slider.type = 'range';
    this.slider.min = '0';
    this.slider.step = '1';
    this.slider.title = 'the checkpoints: choose one to see its partition (same view, plane and probe)';
    this.slider.addEventListener('input', () => session.choose(Number(this.slider.value)));
    this.sliderLabel = document.createElement('span');
    this.liveButton = document.createElement('button');
    this.liveButton.textContent = 'follow';
    this.liveButton.title = 'show the net as it trains (or the last checkpoint once the run is over)';
    this.liveButton.addEventListener('click', () => session.follow());
    timeline.append(this.slider, this.liveButton, this.sliderLabel);
    this.charts = new TrainingCharts(div(body, 'training-charts'));
    dock.insertBefore(this.root, document.getElementById('readout'));
    const analysis = document.getElementById('analysis');
    if (analysis instanceof HTMLDetailsElement) {
      this.analysis = analysis;
      analysis.addEventListener('toggle', () => this.makeRoom(analysis));
    }
    this.root.addEventListener('toggle', () => this.makeRoom(this.root));
    this.opened = this.root;
  }

  /**
   * The dock holds the analysis panel, this one and the readout in the window's left column: when the two panels do
   * not both fit, the one not just opened folds to its title, rather than both showing a part of their content.
   */
  private makeRoom(opened: HTMLDetailsElement): void {
    if (opened.open) this.opened = opened;
    const other = opened === this.root ? this.analysis : this.root;
    if (!other?.open || !opened.open || other.hidden || opened.hidden) return;
    if ([opened, other].some((panel) => panel.scrollHeight > panel.clientHeight + 1)) other.open = false;
  }

  refresh(): void {
    const { session } = this;
    const hidden = session.state === 'none' && session.checkpoints.length === 0;
    const appearing = this.root.hidden && !hidden;
    this.root.hidden = hidden;
    if (this.root.hidden) return;
    const p = session.progress;
    const last = session.checkpoints.at(-1)?.row;
    const lines = [
      `${session.state}${session.spec ? ` · ${session.spec.dataset.name}, ${session.spec.widths.join('×')}` : ''}`,
      p
        ? `step ${p.step.toLocaleString('en')} / ${p.total.toLocaleString('en')} · epoch ${p.epoch.toFixed(2)} · ` +
          `batch loss ${formatValue(p.loss)} · ${formatValue(p.stepsPerSecond)} steps/s · ` +
          `measures ${p.measureSeconds.toFixed(2)} s a checkpoint`
        : 'starting…',
    ];
    if (last) {
      lines.push(
        `at step ${last.step}: loss ${formatValue(last.loss)} · train ${percent(last.trainAccuracy)} · ` +
          `test ${percent(last.testAccuracy)}`,
      );
    }
    if (session.lastError) lines.push(`stopped: ${session.lastError}`);
    this.status.textContent = lines.join('\n');
    const count = session.checkpoints.length;
    this.slider.max = String(Math.max(0, count - 1));
    this.slider.disabled = count === 0;
    const chosen = session.chosen;
    this.slider.value = chosen !== null ? String(chosen) : this.slider.max;
    const shown = session.shown;
    const row = shown?.checkpoint === null || shown === null ? null : session.checkpoints[shown.checkpoint]?.row;
    this.sliderLabel.textContent = !shown
      ? ' starting…'
      : row
        ? ` checkpoint ${(shown.checkpoint ?? 0) + 1} of ${count}: step ${row.step} (epoch ${row.epoch.toFixed(2)})`
        : ` live: step ${shown.step} · ${count} checkpoints`;
    this.liveButton.disabled = chosen === null;
    const mark = shown?.step ?? null;
    const key = JSON.stringify([count, mark]);
    if (key !== this.chartsKey) {
      this.chartsKey = key;
      this.charts.show(
        session.checkpoints.map((c) => c.row),
        mark,
      );
    }
    // A run's panel appearing takes its room from the analysis panel when both do not fit; later the panel opened
    // last keeps it, as either grows.
    this.makeRoom(appearing ? this.root : this.opened);
  }
}
