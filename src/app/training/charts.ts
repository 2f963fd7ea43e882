/**
 * The measures through training, drawn with uPlot against the step: the losses and accuracies; regions per unit
 * length per neuron and regions / (N^2 / 2); the distance to the boundary times the neurons (mean, percentiles); and
 * that mean against the test accuracy, a point per checkpoint. The checkpoint shown is marked by a vertical line.
 * One chart at a time, chosen by a row of tabs: four stacked would take the window's left column.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatValue } from '../../model/format.ts';
import type { MetricsRow } from '../../train/run.ts';

const kWidth = 296;
const kHeight = 100;
const kAxis = { stroke: '#ccc', grid: { stroke: 'rgba(255,255,255,0.12)' }, ticks: { stroke: '#666' } };

interface Line {
  readonly label: string;
  readonly colour: string;
  readonly value: (row: MetricsRow) => number | null;
  /** The right-hand axis (scale `y2`). */
  readonly right?: boolean;
}

interface Chart {
  /** Its tab. */
  readonly name: string;
  readonly xLabel: string;
  readonly x: (row: MetricsRow) => number;
  readonly lines: readonly Line[];
  /** Points, not lines (a scatter of checkpoints). */
  readonly points?: boolean;
}

const kByStep = { xLabel: 'step', x: (r: MetricsRow) => r.step };

const kLines: readonly (readonly Line[])[] = [
  [
    { label: 'loss', colour: '#ffcc55', value: (r) => r.loss },
    { label: 'test loss', colour: '#ff7f50', value: (r) => r.testLoss },
    { label: 'train acc', colour: '#78b4ff', value: (r) => r.trainAccuracy, right: true },
    { label: 'test acc', colour: '#59a14f', value: (r) => r.testAccuracy, right: true },
  ],
  [
    { label: 'regions/length/neuron', colour: '#ffcc55', value: (r) => r.regionsPerLengthPerNeuron },
    { label: 'regions/(N²/2)', colour: '#b07aa1', value: (r) => r.regionsOverHalfN2, right: true },
  ],
  [
    { label: 'mean distance × neurons', colour: '#78b4ff', value: (r) => r.meanDistanceTimesNeurons },
    { label: 'median', colour: '#59a14f', value: (r) => r.distanceQuantilesTimesNeurons[2] ?? Number.NaN },
    { label: '10th pct', colour: '#9c9c9c', value: (r) => r.distanceQuantilesTimesNeurons[0] ?? Number.NaN },
    { label: '90th pct', colour: '#9c9c9c', value: (r) => r.distanceQuantilesTimesNeurons[4] ?? Number.NaN },
  ],
];

const kNames = ['loss', 'regions', 'distance'];

const kCharts: readonly Chart[] = [
  ...kLines.map((lines, i) => ({ ...kByStep, name: kNames[i] ?? '', lines })),
  {
    name: 'distance/accuracy',
    xLabel: 'test accuracy',
    x: (r) => r.testAccuracy,
    lines: [{ label: 'mean distance × neurons', colour: '#78b4ff', value: (r) => r.meanDistanceTimesNeurons }],
    points: true,
  },
];

function plot(root: HTMLElement, chart: Chart, marked: () => number | null): uPlot {
  const { lines } = chart;
  const right = lines.some((l) => l.right);
  return new uPlot(
    {
      width: kWidth,
      height: kHeight,
      legend: { show: true, live: false },
      cursor: { show: true, points: { show: false } },
      scales: { x: { time: false } },
      axes: [
        { ...kAxis, label: chart.xLabel, labelSize: 16, size: 30 },
        { ...kAxis, size: 44, space: 16, values: (_p, splits) => splits.map((v) => formatValue(v, { compact: true })) },
        ...(right
          ? [
              {
                ...kAxis,
                scale: 'y2',
                side: 1,
                size: 40,
                space: 16,
                grid: { show: false },
                values: (_p: uPlot, s: number[]) => s.map((v) => formatValue(v, { compact: true })),
              },
            ]
          : []),
      ],
      series: [
        {},
        ...lines.map((l) => ({
          label: l.label,
          stroke: l.colour,
          width: 1.5,
          scale: l.right ? 'y2' : 'y',
          points: { show: chart.points === true, size: 5 },
          ...(chart.points ? { paths: () => null } : {}),
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const at = marked();
            if (at === null) return;
            const x = u.valToPos(at, 'x', true);
            const { top, height } = u.bbox;
            const context = u.ctx;
            context.save();
            context.strokeStyle = '#fff';
            context.lineWidth = 1.5 * devicePixelRatio;
            context.beginPath();
            context.moveTo(x, top);
            context.lineTo(x, top + height);
            context.stroke();
            context.restore();
          },
        ],
      },
    },
    [[], ...lines.map(() => [])],
    root,
  );
}

export class TrainingCharts {
  private readonly plots: uPlot[];
  /** Where each chart marks the net shown: its step, or its test accuracy. */
  private marks: (number | null)[] = [];

  constructor(root: HTMLElement) {
    const tabs = document.createElement('div');
    tabs.className = 'training-tabs';
    tabs.setAttribute('role', 'tablist');
    root.append(tabs);
    const boxes: HTMLDivElement[] = [];
    const buttons = kCharts.map((chart, i) => {
      const button = document.createElement('button');
      button.textContent = chart.name;
      button.title = `the chart of ${chart.lines.map((l) => l.label).join(', ')} against the ${chart.xLabel}`;
      button.setAttribute('role', 'tab');
      button.addEventListener('click', () => select(i));
      tabs.append(button);
      return button;
    });
    const select = (index: number) => {
      boxes.forEach((box, i) => {
        box.hidden = i !== index;
      });
      buttons.forEach((button, i) => {
        button.setAttribute('aria-selected', String(i === index));
      });
    };
    this.plots = kCharts.map((chart, i) => {
      const box = document.createElement('div');
      box.className = 'analysis-plot';
      root.append(box);
      boxes.push(box);
      return plot(box, chart, () => this.marks[i] ?? null);
    });
    select(0);
  }

  /** The rows so far and the step marked (the checkpoint or live net shown). */
  show(rows: readonly MetricsRow[], mark: number | null): void {
    const marked = rows.find((r) => r.step === mark);
    this.marks = kCharts.map((chart) =>
      chart === kCharts[0] || !chart.points ? mark : marked ? chart.x(marked) : null,
    );
    kCharts.forEach((chart, i) => {
      // uPlot wants x ascending: a scatter's points in the order of their x.
      const sorted = chart.points
        ? [...rows].filter((r) => Number.isFinite(chart.x(r))).sort((a, b) => chart.x(a) - chart.x(b))
        : rows;
      const data = [sorted.map(chart.x), ...chart.lines.map((l) => sorted.map((r) => l.value(r)))] as uPlot.AlignedData;
      this.plots[i]?.setData(data);
    });
  }
}
