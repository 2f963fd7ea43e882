/**
 * Data the app fetches when a net first needs it: the MNIST digits of a plane, the bundled MNIST model. Code that
 * needs data not loaded yet throws NeedsData; the app loads it and tries again (src/app/app.ts).
 */
import cnnUrl from '../../models/mnist-cnn.onnx?url';
import modelUrl from '../../models/mnist-mlp-64x64x64.safetensors?url';
import resnetUrl from '../../models/mnist-resnet.onnx?url';
import { parseNetBytes } from '../model/files/netFile.ts';
import type { Network } from '../model/graph/graph.ts';
import { NeedsDigits } from '../model/mnist.ts';
import { type kBundledNets, NetError } from '../model/netSource.ts';
import { loadDigits } from './mnistData.ts';

export class NeedsData extends Error {
  constructor(
    message: string,
    readonly load: () => Promise<void>,
  ) {
    super(message);
    this.name = 'NeedsData';
  }
}

const kModelUrls: Record<(typeof kBundledNets)[number], string> = {
  'mnist-mlp': modelUrl,
  'mnist-cnn': cnnUrl,
  'mnist-resnet': resnetUrl,
};
const models = new Map<string, Network>();

async function loadModel(name: string): Promise<void> {
  const response = await fetch(kModelUrls[name as (typeof kBundledNets)[number]] ?? '');
  if (!response.ok) throw new NetError(`${name}: ${response.status} ${response.statusText}`);
  const parsed = parseNetBytes(new Uint8Array(await response.arrayBuffer()), name);
  if (!parsed.ok) throw new NetError(`${name}: ${parsed.error}`);
  models.set(name, parsed.net);
}

/** A model shipped with ReLUscope (models/), fetched on first use. */
export function bundledNet(name: string): Network {
  const net = models.get(name);
  if (!net) throw new NeedsData(`loading the model ${name}`, () => loadModel(name));
  return net;
}

/** `compute()`, with a missing MNIST digit said as NeedsData. */
export function withDigits<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (!(error instanceof NeedsDigits)) throw error;
    throw new NeedsData(`loading MNIST digits ${error.digits.join(', ')}`, () => loadDigits(error.digits));
  }
}
