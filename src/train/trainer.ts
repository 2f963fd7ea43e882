/**
 * Training, deterministic in float64 on the CPU: minibatches in a seeded order reshuffled every epoch (the last
 * batch of an epoch may be smaller, as PyTorch's DataLoader gives it), softmax cross-entropy, and Adam with PyTorch's
 * defaults (betas 0.9, 0.999, eps 1e-8, bias-corrected) or plain SGD. The same spec and data give bit-identical
 * weights on every run.
 */
import type { Report } from '../analysis/measures.ts';
import { cloneNet, type Net } from '../model/net.ts';
import { Random } from '../model/random.ts';
import { type Dataset, permutation } from './datasets.ts';
import { evaluate, type Gradients, layersOf, lossAndGradients, Workspace, zeroGradients } from './mlp.ts';

export const kOptimizers = ['adam', 'sgd'] as const;
export type Optimizer = (typeof kOptimizers)[number];

export interface TrainSpec {
  readonly optimizer: Optimizer;
  readonly lr: number;
  readonly batch: number;
  /** Seed of the batch order (the net's own seed made its weights). */
  readonly seed: number;
}

export const kAdam = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;
/** A loss this many times the first one (at least 1) stops training: the learning rate is too large. */
const kDivergence = 1000;

/**
 * The one divergence rule, for the batch losses of the steps and the whole training set's loss at checkpoints (the
 * command line and the app alike): the loss of the net after `step` steps is not finite, or is kDivergence times the
 * first loss (cross-entropy starts near log(classes): a thousand times that is divergence, not training). Returns
 * the message, or null. Nets with weights that are not finite diverged too (their loss can be 0 by overflow).
 */
export function divergence(loss: number, first: number, step: number, lr: number, net?: Net): string | null {
  const bad = !Number.isFinite(loss) || loss > kDivergence * Math.max(1, first);
  if (!bad && (net === undefined || finiteWeights(net))) return null;
  const what = !bad
    ? 'is finite but the weights are not'
    : Number.isFinite(loss)
      ? `diverged to ${loss.toPrecision(3)}`
      : `is ${loss}`;
  return `the loss ${what} at step ${step}: the learning rate ${lr} is too large`;
}

function finiteWeights(net: Net): boolean {
  const layers = net.output ? [...net.hidden, net.output] : net.hidden;
  return layers.every((l) => l.weight.every(Number.isFinite) && l.bias.every(Number.isFinite));
}

/** Why a spec cannot train on `data`, or null. */
export function trainProblem(spec: TrainSpec, data: Dataset, net: Net): string | null {
  if (!(spec.lr > 0) || !Number.isFinite(spec.lr)) return `the learning rate must be a positive number, not ${spec.lr}`;
  if (data.train.count === 0) return 'the training set is empty';
  if (!Number.isInteger(spec.batch) || spec.batch < 1)
    return `the batch size must be a positive integer, not ${spec.batch}`;
  if (spec.batch > data.train.count) {
    return `the batch size ${spec.batch} is larger than the training set (${data.train.count} samples)`;
  }
  if (net.inputDim !== data.inputDim) return `the net has ${net.inputDim} inputs but the data ${data.inputDim}`;
  if ((net.output?.outDim ?? 0) !== data.classes) {
    return `the net has ${net.output?.outDim ?? 0} outputs but the data ${data.classes} classes`;
  }
  return null;
}

export class TrainingError extends Error {}

export class Trainer {
  /** Steps taken. */
  step = 0;
  /** Completed epochs plus the share of the current one. */
  get epoch(): number {
    return this.epochs + this.position / this.data.train.count;
  }
  /** The batch size in samples: a step's share of an epoch. */
  readonly stepsPerEpoch: number;
  private readonly net: Net;
  private readonly ws: Workspace;
  private readonly grads: Gradients;
  private readonly m: Gradients;
  private readonly v: Gradients;
  private readonly rng: Random;
  private order: Int32Array;
  private position = 0;
  private epochs = 0;
  private firstLoss: number | null = null;

  constructor(
    initial: Net,
    private readonly data: Dataset,
    readonly spec: TrainSpec,
  ) {
    const problem = trainProblem(spec, data, initial);
    if (problem) throw new TrainingError(problem);
    this.net = cloneNet(initial);
    this.ws = new Workspace(this.net, spec.batch);
    this.grads = zeroGradients(this.net);
    this.m = zeroGradients(this.net);
    this.v = zeroGradients(this.net);
    this.rng = new Random(spec.seed);
    this.order = permutation(data.train.count, this.rng);
    this.stepsPerEpoch = Math.ceil(data.train.count / spec.batch);
  }

  /** A copy of the weights now. */
  snapshot(): Net {
    return cloneNet(this.net);
  }

  /** One minibatch step; returns the batch's mean loss (before the update). Throws if it diverged (`divergence`). */
  train(): number {
    const count = this.data.train.count;
    const rows = Math.min(this.spec.batch, count - this.position);
    const indices = this.order.subarray(this.position, this.position + rows);
    for (const g of [...this.grads.weight, ...this.grads.bias]) g.fill(0);
    const loss = lossAndGradients(this.ws, this.data.train, indices, this.grads);
    this.firstLoss ??= loss;
    // The batch loss is that of the net after this.step steps (before this step's update).
    const diverged = divergence(loss, this.firstLoss, this.step, this.spec.lr);
    if (diverged) throw new TrainingError(diverged);
    this.update();
    this.step++;
    this.position += rows;
    if (this.position >= count) {
      this.position = 0;
      this.epochs++;
      this.order = permutation(count, this.rng);
    }
    return loss;
  }

  private update(): void {
    const layers = layersOf(this.net);
    const t = this.step + 1;
    const { lr } = this.spec;
    const { beta1, beta2, eps } = kAdam;
    const c1 = 1 - beta1 ** t;
    const c2 = Math.sqrt(1 - beta2 ** t);
    layers.forEach((layer, l) => {
      for (const [p, key] of [
        [layer.weight, 'weight'],
        [layer.bias, 'bias'],
      ] as const) {
        const g = this.grads[key][l] ?? new Float64Array();
        if (this.spec.optimizer === 'sgd') {
          for (let i = 0; i < p.length; i++) p[i] = (p[i] ?? 0) - lr * (g[i] ?? 0);
          continue;
        }
        const m = this.m[key][l] ?? new Float64Array();
        const v = this.v[key][l] ?? new Float64Array();
        for (let i = 0; i < p.length; i++) {
          const gi = g[i] ?? 0;
          const mi = beta1 * (m[i] ?? 0) + (1 - beta1) * gi;
          const vi = beta2 * (v[i] ?? 0) + (1 - beta2) * gi * gi;
          m[i] = mi;
          v[i] = vi;
          // PyTorch's Adam: p -= lr / c1 * m / (sqrt(v) / sqrt(c2') + eps), c2' = 1 - beta2^t.
          p[i] = (p[i] ?? 0) - (lr / c1) * (mi / (Math.sqrt(vi) / c2 + eps));
        }
      }
    });
  }

  /** Mean loss and accuracy on the training and the test set; `report` is told how far it is (Report's terms). */
  evaluate(report: Report = () => {}): { loss: number; trainAccuracy: number; testLoss: number; testAccuracy: number } {
    const { train: trainSet, test: testSet } = this.data;
    const all = trainSet.count + testSet.count;
    const train = evaluate(this.ws, trainSet, (done) => report('loss and accuracy', done, all));
    const test =
      testSet.count > 0
        ? evaluate(this.ws, testSet, (done) => report('loss and accuracy', trainSet.count + done, all))
        : { loss: Number.NaN, accuracy: Number.NaN };
    return { loss: train.loss, trainAccuracy: train.accuracy, testLoss: test.loss, testAccuracy: test.accuracy };
  }
}
