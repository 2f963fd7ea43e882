/**
 * The panel's charts, drawn with uPlot: the output along the probe segment, the distance histogram, and the
 * sawtooth's regions against the perturbation.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { type AxisScale, axisScale } from './axis.ts';

const kWidth = 296;
const kHeight = 120;
const kAxis = { stroke: '#ccc', grid: { stroke: 'rgba(255,255,255,0.12)' }, ticks: { stroke: '#666' } };

function chart(root: HTMLElement, xLabel: string, series: uPlot.Series, bars: boolean, logX = false): uPlot {
  const paths = bars ? uPlot.paths.bars?.({ size: [1, Number.POSITIVE_INFINITY], align: 1 }) : undefined;
  // The value axis: its range widened to whole ticks, then those ticks and their labels (uPlot asks in this order).
  let y: AxisScale = axisScale(0, 1);
  return new uPlot(
    {
      width: kWidth,
      height: kHeight,
      legend: { show: false },
      cursor: { show: true, points: { show: false } },
      scales: {
        x: logX ? { time: false, distr: 3 } : { time: false },
        y: {
          range: (_plot, min, max) => {
            y = axisScale(min, max);
            return [y.lo, y.hi];
          },
        },
      },
      axes: [
        {
          ...kAxis,
          label: xLabel,
          labelSize: 18,
          size: 36,
          ...(logX
            ? {
                values: (_plot: uPlot, splits: number[]) =>
                  splits.map((v) => (Number.isFinite(v) ? v.toExponential(0) : '')),
              }
            : {}),
        },
        {
          ...kAxis,
          // Wide enough for the longest label (at most 8 pixels a character at uPlot's 12 px font) and the ticks.
          size: () => 18 + 8 * Math.max(3, ...y.labels.map((label) => label.length)),
          splits: () => [...y.ticks],
          values: () => [...y.labels],
        },
      ],
      series: [{}, paths ? { ...series, paths } : series],
    },
    [[], []],
    root,
  );
}

/** The network output along the segment: exact, since it is affine between breakpoints. */
export class OutputChart {
  private readonly plot: uPlot;

  constructor(root: HTMLElement) {
    this.plot = chart(
      root,
      'distance along the segment',
      { stroke: '#ffcc55', width: 1.5, points: { show: false } },
      false,
    );
  }

  show(length: number, breakpoints: readonly number[], outputs: readonly number[]): void {
    const ts = [0, ...breakpoints, 1];
    this.plot.setData([ts.map((t) => t * length), [...outputs]]);
  }
}

/** A histogram as bars: counts[i] over [edges[i], edges[i+1]). */
export class HistogramChart {
  private readonly plot: uPlot;

  constructor(root: HTMLElement, xLabel: string) {
    this.plot = chart(root, xLabel, { fill: 'rgba(120, 180, 255, 0.7)', stroke: '#78b4ff' }, true);
  }

  show(edges: readonly number[], counts: readonly number[]): void {
    this.plot.setData([edges.slice(0, counts.length), [...counts]]);
  }
}

/** Mean regions of the perturbed sawtooth along [0, 1] against the perturbation (log axis; epsilon 0 left out). */
export class PerturbationChart {
  private readonly plot: uPlot;

  constructor(root: HTMLElement) {
    this.plot = chart(root, 'perturbation ε', { stroke: '#ff7f50', width: 1.5, points: { show: true } }, false, true);
  }

  show(epsilons: readonly number[], meanRegions: readonly number[]): void {
    const kept = epsilons.map((e, i) => [e, meanRegions[i] ?? 0] as const).filter(([e]) => e > 0);
    this.plot.setData([kept.map(([e]) => e), kept.map(([, n]) => n)]);
  }
}
