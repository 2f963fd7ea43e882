/**
 * The analysis worker: exact float64 region enumeration and segment walks off the UI thread, so that the app
 * stays responsive while a view of 10^5 regions is counted. Cancelling terminates the worker (the client's job).
 */
import { enumerateNetworkRegions } from '../../analysis/graphRegions.ts';
import { sawtoothCounts } from '../../analysis/sawtooth.ts';
import { walkSegment } from '../../analysis/segment.ts';
import type { Network } from '../../model/graph/graph.ts';
import type { AnalysisReply, AnalysisRequest, AnalysisResult } from './protocol.ts';

let net: Network | null = null;
/** Progress replies are spaced by at least this much, so they never flood the UI thread. */
const kProgressMs = 50;

function reply(message: AnalysisReply): void {
  self.postMessage(message);
}

function run(request: Exclude<AnalysisRequest, { kind: 'net' }>, shown: Network | null): AnalysisResult {
  if (request.kind === 'sawtooth') {
    return { kind: 'sawtooth', counts: sawtoothCounts(request.depth, request.epsilons, request.seeds) };
  }
  if (!shown) throw new Error('no net was sent to the analysis worker');
  if (request.kind === 'segment') {
    const walk = walkSegment(shown, request.p0, request.p1, request.layers, undefined, request.unit);
    return { kind: 'segment', walk };
  }
  let last = 0;
  const onProgress = (done: number, total: number): void => {
    const now = performance.now();
    if (now - last < kProgressMs) return;
    last = now;
    reply({ kind: 'progress', id: request.id, done, total });
  };
  return {
    kind: 'regions',
    regions: enumerateNetworkRegions(shown, request.rect, { layers: request.layers, onProgress }),
  };
}

self.onmessage = (event: MessageEvent<AnalysisRequest>) => {
  const request = event.data;
  if (request.kind === 'net') {
    net = request.net;
    return;
  }
  const start = performance.now();
  try {
    const result = run(request, net);
    reply({ kind: 'done', id: request.id, result, seconds: (performance.now() - start) / 1000 });
  } catch (error) {
    reply({ kind: 'error', id: request.id, message: (error as Error).message });
  }
};
