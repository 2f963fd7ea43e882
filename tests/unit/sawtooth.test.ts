import { describe, expect, it } from 'vitest';
import { sawtoothCounts } from '../../src/analysis/sawtooth.ts';
import { walkSegment } from '../../src/analysis/segment.ts';
import { neuronCount } from '../../src/model/net.ts';
import { perturbedSawtooth, sawtooth } from '../../src/model/presets.ts';
import { Random } from '../../src/model/random.ts';
import { testSeed } from '../support/seed.ts';

const seed = testSeed('unit/sawtooth.test.ts#1');
const rng = new Random(seed);

describe('Telgarsky sawtooth', () => {
  it('has 2^k regions along [0, 1] for any y, with breakpoints at j / 2^k and the output t^k(x)', () => {
    for (let k = 1; k <= 12; k++) {
      const y = 4 * rng.uniform() - 2;
      const net = sawtooth(k);
      expect(neuronCount(net)).toBe(2 * k);
      const walk = walkSegment(net, [0, y], [1, y]);
      expect(walk.regions, `k=${k}, y=${y}`).toBe(2 ** k);
      walk.breakpoints.forEach((b, i) => {
        expect(Math.abs(b - (i + 1) / 2 ** k), `k=${k}, breakpoint ${i}`).toBeLessThan(1e-12);
        // t^k is 0 at the even and 1 at the odd multiples of 1/2^k.
        expect(walk.outputs[i + 1], `k=${k}, breakpoint ${i}`).toBeCloseTo((i + 1) % 2, 9);
      });
      expect(walk.regionsPerUnitLengthPerNeuron).toBeCloseTo(2 ** k / (2 * k), 9);
    }
  });

  it('perturbed by epsilon = 0 is the sawtooth', () => {
    const k = 1 + (rng.nextU32() % 12);
    const perturbation = rng.nextU32();
    const plain = sawtooth(k);
    const same = perturbedSawtooth(k, 0, perturbation);
    expect(same).toEqual(plain);
    expect(walkSegment(same, [0, 0.5], [1, 0.5])).toEqual(walkSegment(plain, [0, 0.5], [1, 0.5]));
  });

  it('perturbations are seeded: the same seed gives the same net, another seed another', () => {
    const perturbation = rng.nextU32();
    expect(perturbedSawtooth(6, 0.1, perturbation)).toEqual(perturbedSawtooth(6, 0.1, perturbation));
    expect(perturbedSawtooth(6, 0.1, perturbation)).not.toEqual(perturbedSawtooth(6, 0.1, perturbation + 1));
  });

  it('perturbed by epsilon = 0.1 at k = 10 keeps far fewer than 2^10 regions', () => {
    // Over 300 seeds the mean was 264 and the largest count 864: the mean of 32 stays well under 2^10 / 2.
    const counts = Array.from({ length: 32 }, () => rng.nextU32()).map(
      (perturbation) => walkSegment(perturbedSawtooth(10, 0.1, perturbation), [0, 0.5], [1, 0.5]).regions,
    );
    const mean = counts.reduce((sum, n) => sum + n, 0) / counts.length;
    expect(mean, `test seed ${seed}, counts ${counts}`).toBeLessThan(2 ** 10 / 2);
    expect(Math.max(...counts), `test seed ${seed}`).toBeLessThan(2 ** 10);
  });

  it('sawtoothCounts walks seeds 1..n for each epsilon', () => {
    const k = 4 + (rng.nextU32() % 5);
    const epsilon = 0.01 + 0.1 * rng.uniform();
    const [exact, perturbed] = sawtoothCounts(k, [0, epsilon], 3);
    expect(exact).toEqual({ epsilon: 0, meanRegions: 2 ** k, counts: [2 ** k, 2 ** k, 2 ** k] });
    const expected = [1, 2, 3].map((s) => walkSegment(perturbedSawtooth(k, epsilon, s), [0, 0.5], [1, 0.5]).regions);
    expect(perturbed?.counts, `k=${k}, epsilon=${epsilon}`).toEqual(expected);
    expect(perturbed?.meanRegions).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 3, 12);
  });
});
