/**
 * The device's speed, learnt from the steps, shared by a renderer's jobs: a step takes overheadMs (submitting, mapping
 * the statistics back: the least a step ever took) plus nsPerMac a multiply-add. Steps mostly overhead teach nothing
 * about the speed (a coarse grid of a few pixels). Before it learnt anything, an evaluation is taken to cost at least
 * `floorMs` (the region-seeded pass: a workgroup's barriers and labelling, whatever the net's size).
 */
export class Pace {
  /** A cautious start: SwiftShader on two cores does about 0.3 to 0.6 G multiply-adds a second. */
  nsPerMac = 5;
  overheadMs = Number.POSITIVE_INFINITY;
  /** The last measures: the speed is their median (a step slowed by something else does not swing it). */
  private readonly measures: number[] = [];

  constructor(private readonly floorMs = 0) {}

  learn(macs: number, ms: number): void {
    if (!(ms > 0)) return;
    this.overheadMs = Math.min(this.overheadMs, ms);
    if (macs < 1e5 || ms < 2 * this.overheadMs) return;
    this.measures.push(Math.min(1e3, Math.max(1e-4, ((ms - this.overheadMs) * 1e6) / macs)));
    this.measures.splice(0, Math.max(0, this.measures.length - kPaceMeasures));
    const sorted = [...this.measures].sort((a, b) => a - b);
    this.nsPerMac = sorted[Math.floor(sorted.length / 2)] ?? this.nsPerMac;
  }

  /** Multiply-adds that fit `ms` milliseconds. */
  macsIn(ms: number): number {
    return (ms * 1e6) / this.nsPerMac;
  }

  /** The time of an evaluation of `macs` multiply-adds. */
  msPerEvaluation(macs: number): number {
    const ms = (macs * this.nsPerMac) / 1e6;
    return this.measures.length > 0 ? ms : Math.max(ms, this.floorMs);
  }

  /** Evaluations of `macs` multiply-adds that fit `ms` milliseconds (at least one). */
  evaluationsIn(ms: number, macs: number): number {
    return Math.max(1, ms / Math.max(1e-9, this.msPerEvaluation(macs)));
  }
}

/** Measures of a pass's speed kept (their median is the speed). */
const kPaceMeasures = 7;

/**
 * An evaluation of the region-seeded pass before it was measured: at least this long (on SwiftShader, 2 cores: about
 * 0.4 ms for a net of a few thousand multiply-adds, most of it the workgroup's own work, not the net's).
 */
const kFastFloorMs = 0.3;

export interface Paces {
  readonly fast: Pace;
  readonly brute: Pace;
}

export function newPaces(): Paces {
  return { fast: new Pace(kFastFloorMs), brute: new Pace() };
}
