/** The steps at which training keeps a checkpoint. */

/**
 * Checkpoints a run keeps at most: each rewrites the metrics of all before it (files, charts), so their cost grows as
 * the square of their number. The default schedule keeps under 100.
 */
export const kMaxCheckpoints = 1000;

/**
 * Sorted unique steps in 0..total: `default` = 0, then 1, 2, 4, 8, ... (geometric), the end of every epoch and the
 * last step; or an explicit list `N,N,...` (0 and the last step always added). Throws with a message for a bad spec.
 */
export function checkpointSteps(total: number, stepsPerEpoch: number, spec = 'default'): number[] {
  const steps = new Set<number>([0, total]);
  if (spec === 'default') {
    for (let s = 1; s < total; s *= 2) steps.add(s);
    // At most 40 epoch ends: a long run keeps one checkpoint every few epochs.
    const every = stepsPerEpoch * Math.max(1, Math.ceil(total / stepsPerEpoch / 40));
    for (let s = every; s < total; s += every) steps.add(s);
  } else {
    for (const part of spec.split(',')) {
      const step = part.trim() === '' ? Number.NaN : Number(part);
      if (!Number.isInteger(step) || step < 0 || step > total) {
        throw new Error(`checkpoints "${spec.slice(0, 60)}": "${part.slice(0, 20)}" is not a step in 0..${total}`);
      }
      steps.add(step);
    }
  }
  if (steps.size > kMaxCheckpoints) {
    throw new Error(
      `checkpoints: ${steps.size} steps listed; at most ${kMaxCheckpoints} (every checkpoint rewrites the metrics of all ` +
        'the ones before it)',
    );
  }
  return [...steps].sort((a, b) => a - b);
}
