/** The training core against float64 references: gradients, optimizer steps, determinism, convergence, bad settings. */
import { describe, expect, it } from 'vitest';
import { measureNet } from '../../src/analysis/measures.ts';
import { walkSegment } from '../../src/analysis/segment.ts';
import { nodeDigits } from '../../src/cli/mnistFiles.ts';
import { serializeNet } from '../../src/model/files/netFile.ts';
import { ForwardPass } from '../../src/model/forward.ts';
import { cloneNet, type Net } from '../../src/model/net.ts';
import { pointOracle } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { type Dataset, type DatasetSpec, kDatasets, makeDataset, type Split } from '../../src/train/datasets.ts';
import { defaultProbes, probesFor } from '../../src/train/measures.ts';
import { layersOf, lossAndGradients, Workspace, zeroGradients } from '../../src/train/mlp.ts';
import { type RunSpec, runTraining } from '../../src/train/run.ts';
import { checkpointSteps } from '../../src/train/schedule.ts';
import { divergence, kAdam, Trainer, TrainingError } from '../../src/train/trainer.ts';
import { testSeed } from '../support/seed.ts';

const rng = new Random(testSeed('unit/train.test.ts#1'));

/** A random data set of `count` points of dimension d in `classes` classes. */
function randomData(d: number, count: number, classes: number): Dataset {
  const split = (n: number): Split => ({
    x: Float64Array.from({ length: n * d }, () => rng.normal()),
    y: Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * classes)),
    count: n,
  });
  return { name: 'blobs', inputDim: d, classes, train: split(count), test: split(Math.ceil(count / 4)) };
}

function randomSmallNet(d: number, classes: number): Net {
  const widths = Array.from({ length: 1 + Math.floor(3 * rng.uniform()) }, () => 2 + Math.floor(7 * rng.uniform()));
  return randomNet({ widths, sigmaB: 0.5, seed: rng.nextU32(), outputs: classes, inputDim: d });
}

/** The mean loss of a batch in float64, by the plain forward pass of the model (no training code). */
function referenceLoss(net: Net, split: Split, indices: number[]): number {
  const pass = new ForwardPass(net, 0);
  let loss = 0;
  for (const i of indices) {
    pass.run(split.x.subarray(i * net.inputDim, (i + 1) * net.inputDim));
    const logits = Array.from(pass.output.value);
    const max = Math.max(...logits);
    const sum = logits.reduce((s, z) => s + Math.exp(z - max), 0);
    loss += Math.log(sum) + max - (logits[split.y[i] ?? 0] ?? 0);
  }
  return loss / indices.length;
}

describe('gradients', () => {
  it('every parameter against central finite differences of the plain forward pass (random small nets)', () => {
    let worst = 0;
    for (let trial = 0; trial < 12; trial++) {
      const d = 2 + Math.floor(5 * rng.uniform());
      const classes = 2 + Math.floor(3 * rng.uniform());
      const net = randomSmallNet(d, classes);
      const data = randomData(d, 9, classes);
      const indices = [0, 3, 4, 7, 8];
      const ws = new Workspace(net, indices.length);
      const grads = zeroGradients(net);
      const loss = lossAndGradients(ws, data.train, indices, grads);
      expect(Math.abs(loss - referenceLoss(net, data.train, indices))).toBeLessThan(1e-12);
      layersOf(net).forEach((layer, l) => {
        for (const [p, g] of [
          [layer.weight, grads.weight[l]],
          [layer.bias, grads.bias[l]],
        ] as const) {
          for (let i = 0; i < p.length; i++) {
            const saved = p[i] ?? 0;
            const h = 1e-6 * Math.max(1, Math.abs(saved));
            p[i] = saved + h;
            const up = referenceLoss(net, data.train, indices);
            p[i] = saved - h;
            const down = referenceLoss(net, data.train, indices);
            p[i] = saved;
            const numeric = (up - down) / (2 * h);
            // A kink of a ReLU within h of the point makes the difference quotient meaningless: skipped rarely.
            const error = Math.abs(numeric - (g?.[i] ?? 0)) / Math.max(1e-3, Math.abs(numeric));
            if (error > 1e-4) {
              const far = Math.abs(up + down - 2 * loss) < 1e-9 * Math.max(1, loss);
              expect(far, `trial ${trial} layer ${l} param ${i}: ${numeric} vs ${g?.[i]}`).toBe(false);
              continue;
            }
            worst = Math.max(worst, error);
          }
        }
      });
    }
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('optimizer steps', () => {
  it("Adam: two steps equal PyTorch's update written out in float64; SGD: p - lr g", () => {
    for (const optimizer of ['adam', 'sgd'] as const) {
      const d = 2 + Math.floor(4 * rng.uniform());
      const net = randomSmallNet(d, 3);
      const data = randomData(d, 12, 3);
      const lr = 0.01 * (0.5 + rng.uniform());
      const batch = 4;
      const trainer = new Trainer(net, data, { optimizer, lr, batch, seed: 7 });
      // The batch order the trainer uses: its seeded permutation (first two batches).
      const order = Array.from((trainer as unknown as { order: Int32Array }).order);
      const reference = cloneNet(net);
      const m = zeroGradients(reference);
      const v = zeroGradients(reference);
      for (let t = 1; t <= 2; t++) {
        const grads = zeroGradients(reference);
        lossAndGradients(new Workspace(reference, batch), data.train, order.slice((t - 1) * batch, t * batch), grads);
        layersOf(reference).forEach((layer, l) => {
          for (const key of ['weight', 'bias'] as const) {
            const p = layer[key];
            const g = grads[key][l] ?? new Float64Array();
            for (let i = 0; i < p.length; i++) {
              const gi = g[i] ?? 0;
              if (optimizer === 'sgd') {
                p[i] = (p[i] ?? 0) - lr * gi;
                continue;
              }
              const mk = m[key][l] ?? new Float64Array();
              const vk = v[key][l] ?? new Float64Array();
              mk[i] = kAdam.beta1 * (mk[i] ?? 0) + (1 - kAdam.beta1) * gi;
              vk[i] = kAdam.beta2 * (vk[i] ?? 0) + (1 - kAdam.beta2) * gi * gi;
              const mHat = (mk[i] ?? 0) / (1 - kAdam.beta1 ** t);
              const vHat = (vk[i] ?? 0) / (1 - kAdam.beta2 ** t);
              p[i] = (p[i] ?? 0) - (lr * mHat) / (Math.sqrt(vHat) + kAdam.eps);
            }
          }
        });
        trainer.train();
      }
      const trained = layersOf(trainer.snapshot());
      layersOf(reference).forEach((layer, l) => {
        for (const key of ['weight', 'bias'] as const) {
          const got = trained[l]?.[key] ?? new Float64Array();
          layer[key].forEach((value, i) => {
            expect(Math.abs((got[i] ?? 0) - value), `${optimizer} layer ${l} ${key}[${i}]`).toBeLessThan(
              1e-14 * Math.max(1, Math.abs(value)),
            );
          });
        }
      });
    }
  });
});

function spec(name: DatasetSpec['name'], extra: Partial<RunSpec> = {}): RunSpec {
  return {
    dataset: { name, seed: 3, noise: 0.05, samples: 400, testFraction: 0.25 },
    widths: [16, 16],
    sigmaB: 0.1,
    seed: 5,
    optimizer: 'adam',
    lr: 3e-3,
    batch: 32,
    steps: 60,
    epochs: null,
    checkpoints: 'default',
    ...extra,
  };
}

function run(s: RunSpec) {
  const data = makeDataset(s.dataset, nodeDigits);
  const checkpoints = [];
  for (const event of runTraining(s, data, defaultProbes(data, 1)))
    if (event.kind === 'checkpoint') checkpoints.push(event);
  return { data, checkpoints };
}

describe('training', () => {
  it('reduces the loss on every 2-D data set', () => {
    for (const name of kDatasets.filter((n) => n !== 'mnist')) {
      const { checkpoints } = run(spec(name, { steps: 600, lr: 1e-2, checkpoints: '0' }));
      const [first, last] = [checkpoints[0]?.row.loss ?? 0, checkpoints.at(-1)?.row.loss ?? 0];
      expect(last, name).toBeLessThan(0.7 * first);
    }
  });

  it('two spirals with 3 x 64: at least 98% train accuracy', () => {
    const s = spec('spirals', {
      widths: [64, 64, 64],
      steps: 1500,
      batch: 128,
      lr: 1e-3,
      checkpoints: '0',
    });
    const { checkpoints } = run({ ...s, dataset: { ...s.dataset, samples: 1000 } });
    expect(checkpoints.at(-1)?.row.trainAccuracy).toBeGreaterThanOrEqual(0.98);
  });

  it('is deterministic: one seed, identical checkpoints; another seed, other weights', () => {
    const a = run(spec('moons')).checkpoints.map((c) => serializeNet(c.net));
    const b = run(spec('moons')).checkpoints.map((c) => serializeNet(c.net));
    const c = run(spec('moons', { seed: 6 })).checkpoints.map((x) => serializeNet(x.net));
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(3);
    expect(c.at(-1)).not.toEqual(a.at(-1));
  });

  it('bad settings: a clear message; a loss that blows up stops after the last good checkpoint', () => {
    const bad: [Partial<RunSpec>, RegExp][] = [
      [{ lr: 0 }, /learning rate must be a positive number, not 0/],
      [{ lr: -1 }, /learning rate must be a positive number, not -1/],
      [{ lr: Number.NaN }, /learning rate must be a positive number, not NaN/],
      [{ batch: 1000 }, /batch size 1000 is larger than the training set \(300 samples\)/],
      [{ batch: 0 }, /batch size must be a positive integer/],
      [{ dataset: { name: 'xor', seed: 1, noise: 0, samples: 10, testFraction: 0.99 } }, /training set is empty/],
      [{ steps: null }, /give the steps or the epochs/],
      [{ checkpoints: '5,x' }, /"x" is not a step/],
    ];
    for (const [change, message] of bad) {
      expect(() => run(spec('circles', change)), JSON.stringify(change)).toThrow(message);
      expect(() => run(spec('circles', change))).toThrow(TrainingError);
    }
    const data = makeDataset(spec('circles').dataset, nodeDigits);
    const kept: number[] = [];
    const huge = runTraining(spec('circles', { lr: 1e6, optimizer: 'sgd', steps: 200 }), data, defaultProbes(data, 1));
    expect(() => {
      for (const event of huge) if (event.kind === 'checkpoint') kept.push(event.step);
    }).toThrow(/the loss diverged to [\d.e+]+ at step \d+: the learning rate 1000000 is too large/);
    expect(kept[0]).toBe(0);
  });

  it('one divergence rule: no checkpoint of a diverged loss or weights is yielded; one step number', () => {
    const data = makeDataset(spec('circles').dataset, nodeDigits);
    // The first step's update makes the weights about 1e100: the checkpoint at step 1 is the first bad net.
    for (const lr of [1e100, 1e300]) {
      const rows: { step: number; loss: number }[] = [];
      const nets: Net[] = [];
      const events = runTraining(spec('circles', { lr }), data, defaultProbes(data, 1));
      expect(() => {
        for (const event of events) {
          if (event.kind !== 'checkpoint') continue;
          rows.push(event.row);
          nets.push(event.net);
        }
      }).toThrow(
        new RegExp(
          `the loss (is NaN|is Infinity|diverged to \\S+) at step 1: the learning rate ${String(lr).replace('+', '\\+')} is`,
        ),
      );
      expect(rows.map((r) => r.step)).toEqual([0]);
      expect(rows.every((r) => Number.isFinite(r.loss))).toBe(true);
      const weights = nets.flatMap((n) => [...n.hidden, ...(n.output ? [n.output] : [])].flatMap((l) => [...l.weight]));
      expect(weights.every((w) => Number.isFinite(w) && Math.abs(w) < 100)).toBe(true);
    }
    // The rule itself: not finite, a thousand times the first loss, or weights that are not finite.
    expect(divergence(0.7, 0.69, 3, 0.01)).toBeNull();
    expect(divergence(Number.NaN, 0.69, 3, 0.01)).toBe(
      'the loss is NaN at step 3: the learning rate 0.01 is too large',
    );
    expect(divergence(1001, 0.69, 4, 1)).toMatch(/diverged to 1\.00e\+3 at step 4/);
    const net = randomNet({ widths: [2], sigmaB: 0, seed: 1, outputs: 2 });
    expect(divergence(0.7, 0.69, 3, 0.01, net)).toBeNull();
    (net.hidden[0] as { weight: Float64Array }).weight[0] = Number.POSITIVE_INFINITY;
    expect(divergence(0.7, 0.69, 3, 0.01, net)).toMatch(/weights are not/);
  });
});

describe('checkpoints and measures', () => {
  it('the default schedule: 0, powers of two, epoch ends, the last step; explicit lists', () => {
    const steps = checkpointSteps(100, 30, 'default');
    expect(steps).toEqual([0, 1, 2, 4, 8, 16, 30, 32, 60, 64, 90, 100]);
    expect(checkpointSteps(10, 4, '3,7')).toEqual([0, 3, 7, 10]);
    expect(() => checkpointSteps(10, 4, '11')).toThrow(/not a step in 0..10/);
    // A bounded number: each checkpoint rewrites the metrics of all before it.
    const many = Array.from({ length: 1200 }, (_, i) => i + 1).join(',');
    expect(() => checkpointSteps(5000, 10, many)).toThrow(/1202 steps listed; at most 1000/);
  });

  it('lines, view and distances are the exact analysis (2-D) and the full-space gradient (d inputs)', () => {
    const data = makeDataset(spec('blobs').dataset, nodeDigits);
    const net = randomNet({ widths: [12, 12], sigmaB: 0.3, seed: rng.nextU32(), outputs: 3 });
    const probes = defaultProbes(data, 2);
    const measures = measureNet(net, probesFor(net, probes));
    probes.lines.forEach(([p, q], i) => {
      expect(measures.lineRegions[i]).toBe(walkSegment(net, [p[0] ?? 0, p[1] ?? 0], [q[0] ?? 0, q[1] ?? 0]).regions);
    });
    const oracle = pointOracle(net);
    expect(measures.distances).toHaveLength(probes.points.length / 2);
    measures.distances.forEach((distance, i) => {
      const expected = oracle(probes.points[2 * i] ?? 0, probes.points[2 * i + 1] ?? 0).distance;
      expect(Math.abs(distance - expected)).toBeLessThan(1e-12 * Math.max(1, expected));
    });
    expect(measures.viewRegions).toBeGreaterThan(10);
    // The distribution: percentiles of distance x neurons, in order, the median that of the distances.
    const sorted = [...measures.distances].sort((a, b) => a - b);
    const q = measures.distanceQuantilesTimesNeurons;
    expect(q).toHaveLength(5);
    expect([...q].sort((a, b) => a - b)).toEqual(q);
    const median =
      (sorted[Math.floor((sorted.length - 1) / 2)] ?? 0) + (sorted[Math.ceil((sorted.length - 1) / 2)] ?? 0);
    expect(q[2]).toBeCloseTo((median / 2) * 24, 10);
    // d inputs: |z| / ||grad z|| with the gradient from d tangents of the forward pass; a first layer narrower than
    // d (the tangents along its row space) gives the same.
    for (const [d, widths] of [
      [6, [5, 4]],
      [12, [3, 7, 5]],
      [40, [8, 8]],
    ] as const) {
      const wide = randomData(d, 20, 3);
      const wideNet = randomNet({ widths: [...widths], sigmaB: 0.5, seed: rng.nextU32(), outputs: 3, inputDim: d });
      const points = wide.test.x.subarray(0, 3 * d);
      const wideMeasures = measureNet(wideNet, { lines: [], view: null, points });
      const axes = Array.from({ length: d }, (_, i) => Float64Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
      const pass = new ForwardPass(wideNet, d);
      [0, 1, 2].forEach((k) => {
        pass.run(points.subarray(k * d, (k + 1) * d), axes);
        let best = Number.POSITIVE_INFINITY;
        for (const { z } of pass.layers) {
          for (let n = 0; n < z.value.length; n++) {
            const g = Math.hypot(...z.tangents.map((t) => t[n] ?? 0));
            if (g > 0) best = Math.min(best, Math.abs(z.value[n] ?? 0) / g);
          }
        }
        expect(Math.abs((wideMeasures.distances[k] ?? 0) - best), `d ${d}`).toBeLessThan(1e-11 * Math.max(1, best));
      });
    }
  });
});
