/**
 * Hanin & Rolnick's main formula, in float64: the expected length of the region boundaries B_N inside a set S is
 *   E[length(B_N ∩ S)] = sum over hidden neurons z of  ∫_S ||grad z(x)|| rho_b(z(x) - b_z) 1{dN/dZ(x) != 0} dx,
 * with rho_b the density of z's bias (Gaussian N(0, sigma_b^2) here), z(x) - b_z the pre-activation without its own
 * bias and Z = relu(z). ||grad z|| dx is the size of dx under z; times the bias density it is the chance that z kinks
 * in dx; the indicator asks that the kink reach the shown output (outputUnit). This is the oracle of the GPU's
 * theorem colour mode, which replaces the indicator by its general-position form (see shaders/fields.wgsl).
 */
import { balanceNet, scaleByPowerOfTwo } from '../model/balance.ts';
import { ForwardPass } from '../model/forward.ts';
import { type Layer, type Net, outputUnit } from '../model/net.ts';
import type { Rect } from './polygons.ts';

/** The Gaussian bias density N(0, sigma_b^2) at t (0 for a standard deviation float64 cannot hold). */
export function biasDensity(t: number, sigmaB: number): number {
  if (!(sigmaB > 0 && Number.isFinite(sigmaB))) return 0;
  const r = t / sigmaB;
  return Math.exp(-0.5 * r * r) / (sigmaB * Math.sqrt(2 * Math.PI));
}

const kAxes = [Float64Array.of(1, 0), Float64Array.of(0, 1)];

/** dN/dZ_{l-1} = W_l^T (mask_l * dN/dZ_l): one step of the backward pass. */
function backward(layer: Layer, active: Uint8Array, delta: Float64Array): Float64Array {
  const below = new Float64Array(layer.inDim);
  for (let n = 0; n < layer.outDim; n++) {
    const d = active[n] ? (delta[n] ?? 0) : 0;
    if (d === 0) continue;
    for (let i = 0; i < layer.inDim; i++) below[i] = (below[i] ?? 0) + (layer.weight[n * layer.inDim + i] ?? 0) * d;
  }
  return below;
}

/**
 * The integrand of the main formula at (x, y), in input units (expected boundary length per unit area). With a
 * layer limit k < L the net is truncated after hidden layer k and its output is the sum of layer k (the partition
 * shown is that of the first k layers); with k = L the output is outputUnit(net). The indicator comes from the true
 * backward pass, so an exact cancellation counts as zero.
 */
export function theoremIntegrand(net: Net, x: number, y: number, sigmaB: number, layers = net.hidden.length): number {
  return integrand(new ForwardPass(net, 2), net, x, y, () => sigmaB, layers);
}

/** The integrand with neuron n's bias density of standard deviation sigmaOf(n) (neurons numbered layer by layer). */
function integrand(
  pass: ForwardPass,
  net: Net,
  x: number,
  y: number,
  sigmaOf: (neuron: number) => number,
  layers: number,
): number {
  const L = net.hidden.length;
  const k = Math.max(1, Math.min(L, Math.round(layers)));
  // Pre-activations and their gradients in input units (forward.ts).
  pass.run([x, y], kAxes);
  const states = pass.layers;
  const lastWidth = net.hidden[k - 1]?.outDim ?? 0;
  let delta: Float64Array = k === L ? Float64Array.from(outputUnit(net).weight) : new Float64Array(lastWidth).fill(1);
  let sum = 0;
  let first = net.hidden.slice(0, k).reduce((s, layer) => s + layer.outDim, 0);
  for (let l = k - 1; l >= 0; l--) {
    const state = states[l];
    const layer = net.hidden[l];
    if (!state || !layer) break;
    first -= layer.outDim;
    const [dx = new Float64Array(0), dy = new Float64Array(0)] = state.z.tangents;
    for (let n = 0; n < layer.outDim; n++) {
      if ((delta[n] ?? 0) === 0) continue;
      // z - b_z: the pre-activation without its own bias, the argument of that bias's density.
      const withoutBias = (state.z.value[n] ?? 0) - (layer.bias[n] ?? 0);
      sum += Math.hypot(dx[n] ?? 0, dy[n] ?? 0) * biasDensity(withoutBias, sigmaOf(first + n));
    }
    delta = backward(layer, state.active, delta);
  }
  return sum;
}

/**
 * The predicted expected boundary length inside `rect`: the integrand integrated by the midpoint rule on
 * grid x grid cells (the pixel centres of a grid x grid image of the rect).
 */
export function theoremIntegral(net: Net, rect: Rect, sigmaB: number, grid = 256, layers = net.hidden.length): number {
  const dx = (rect.x1 - rect.x0) / grid;
  const dy = (rect.y1 - rect.y0) / grid;
  // On the balanced net (numbers float64 carries through any depth) neuron n's z is 2^e_n times the original's:
  // its bias density has the standard deviation 2^e_n sigma_b, and each term is the same.
  const balanced = balanceNet(net);
  const sigmas = Float64Array.from(balanced.neuronExponents, (e) => scaleByPowerOfTwo(sigmaB, e));
  const sigmaOf = (n: number): number => sigmas[n] ?? sigmaB;
  const pass = new ForwardPass(balanced.net, 2);
  let sum = 0;
  for (let j = 0; j < grid; j++) {
    for (let i = 0; i < grid; i++) {
      sum += integrand(pass, balanced.net, rect.x0 + (i + 0.5) * dx, rect.y0 + (j + 0.5) * dy, sigmaOf, layers);
    }
  }
  return sum * Math.abs(dx * dy);
}
