/** Small dependency-free SVG line charts for the study command (uPlot needs a DOM; these are written in Node). */
import { formatValue } from '../model/format.ts';

export interface Series {
  readonly name: string;
  /** [x, mean, spread] triples; spread (e.g. a standard deviation) is drawn as an error bar. */
  readonly points: readonly (readonly [number, number, number])[];
}

export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  /** Draw y from zero (counts and densities), not from the smallest value. */
  readonly fromZero?: boolean;
  /** Leave out the point markers (long polylines such as a function along a segment). */
  readonly noMarkers?: boolean;
}

const kW = 360;
const kH = 260;
const kMargin = { left: 62, right: 14, top: 28, bottom: 44 };
const kColours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function ticks(lo: number, hi: number, count = 5): number[] {
  const step0 = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0 || 1));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= step0) ?? step0;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const label = (v: number): string => formatValue(v, { digits: 4 });

/** [min, max] of any number of values (a spread into Math.min overflows the stack for long series). */
function extent(values: readonly number[]): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function panel(p: Panel, ox: number): string {
  const all = p.series.flatMap((s) => s.points);
  const tx = (x: number): number => (p.logX ? Math.log10(x) : x);
  const xs = all.map(([x]) => tx(x));
  const lows = all.map(([, y, e]) => y - e);
  const highs = all.map(([, y, e]) => y + e);
  let [x0, x1] = extent(xs);
  let [y0, y1] = [p.fromZero ? 0 : extent(lows)[0], extent(highs)[1]];
  if (!(x1 > x0)) [x0, x1] = [x0 - 1, x0 + 1];
  if (!(y1 > y0)) [y0, y1] = [y0 - 1, y0 + 1];
  y1 += (y1 - y0) * 0.05;
  const pw = kW - kMargin.left - kMargin.right;
  const ph = kH - kMargin.top - kMargin.bottom;
  const sx = (x: number): number => ox + kMargin.left + ((tx(x) - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => kMargin.top + (1 - (y - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(`<text x="${ox + kW / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  out.push(
    `<rect x="${ox + kMargin.left}" y="${kMargin.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
  );
  for (const t of ticks(y0, y1)) {
    if (t < y0 || t > y1) continue;
    out.push(
      `<line x1="${ox + kMargin.left}" x2="${ox + kMargin.left + pw}" y1="${sy(t)}" y2="${sy(t)}" stroke="#eee"/>`,
    );
    out.push(`<text x="${ox + kMargin.left - 4}" y="${sy(t) + 4}" text-anchor="end">${label(t)}</text>`);
  }
  const xTicks = p.logX ? ticks(x0, x1).filter((t) => Number.isInteger(t)) : ticks(x0, x1);
  for (const t of xTicks) {
    const x = ox + kMargin.left + ((t - x0) / (x1 - x0)) * pw;
    out.push(`<text x="${x}" y="${kMargin.top + ph + 16}" text-anchor="middle">${p.logX ? `1e${t}` : label(t)}</text>`);
  }
  out.push(`<text x="${ox + kMargin.left + pw / 2}" y="${kH - 8}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  out.push(
    `<text transform="translate(${ox + 14},${kMargin.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`,
  );
  p.series.forEach((s, i) => {
    const colour = kColours[i % kColours.length] ?? '#000';
    const path = s.points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    out.push(`<path d="${path.join('')}" fill="none" stroke="${colour}" stroke-width="1.5"/>`);
    for (const [x, y, e] of p.noMarkers ? [] : s.points) {
      out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${colour}"/>`);
      if (e > 0) {
        out.push(
          `<line x1="${sx(x).toFixed(1)}" x2="${sx(x).toFixed(1)}" y1="${sy(y - e).toFixed(1)}" y2="${sy(y + e).toFixed(1)}" stroke="${colour}"/>`,
        );
      }
    }
    out.push(
      `<text x="${ox + kMargin.left + 6}" y="${kMargin.top + 14 + i * 14}" fill="${colour}">${esc(s.name)}</text>`,
    );
  });
  return out.join('\n');
}

/** Panels side by side in one SVG document. */
export function panelsSvg(panels: readonly Panel[]): string {
  const width = kW * panels.length;
  const body = panels.map((p, i) => panel(p, i * kW)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${kH}" viewBox="0 0 ${width} ${kH}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
${body}
</svg>
`;
}
