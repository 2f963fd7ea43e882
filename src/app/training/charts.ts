/**
 * The measures through training, drawn with uPlot against the step: the losses and accuracies; regions per unit
 * length per neuron and regions / (N^2 / 2); the mean distance to the boundary times the neurons. The checkpoint
 * shown is marked by a vertical line.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
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

const kCharts: readonly (readonly Line[])[] = [
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

function compact(value: number): string {
  return Math.abs(value) >= 1e3 ? `${Number((value / 1e3).toPrecision(3))}k` : String(Number(value.toPrecision(3)));
}

function plot(root: HTMLElement, lines: readonly Line[], marked: () => number | null): uPlot {
  const right = lines.some((l) => l.right);
  return new uPlot(
    {
      width: kWidth,
      height: kHeight,
      legend: { show: true, live: false },
      cursor: { show: true, points: { show: false } },
      scales: { x: { time: false } },
      axes: [
        { ...kAxis, label: 'step', labelSize: 16, size: 30 },
        { ...kAxis, size: 44, space: 16, values: (_p, splits) => splits.map(compact) },
        ...(right
          ? [
              {
                ...kAxis,
                scale: 'y2',
                side: 1,
                size: 40,
                space: 16,
                grid: { show: false },
                values: (_p: uPlot, s: number[]) => s.map(compact),
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
          points: { show: false },
        })),
      ],
      hooks: {
        draw: [
          (u: uPlot) => {
            const step = marked();
            if (step === null) return;
            const x = u.valToPos(step, 'x', true);
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
  private mark: number | null = null;

  constructor(root: HTMLElement) {
    this.plots = kCharts.map((lines) => {
      const box = document.createElement('div');
      box.className = 'analysis-plot';
      root.append(box);
      return plot(box, lines, () => this.mark);
    });
  }

  /** The rows so far and the step marked (the checkpoint or live net shown). */
  show(rows: readonly MetricsRow[], mark: number | null): void {
    this.mark = mark;
    const steps = rows.map((r) => r.step);
    kCharts.forEach((lines, i) => {
      const data = [steps, ...lines.map((l) => rows.map((r) => l.value(r)))] as uPlot.AlignedData;
      this.plots[i]?.setData(data);
    });
  }
}
