/**
 * The app's side of an analysis worker: one job at a time, promises for results, progress callbacks, and cancel
 * (the worker is terminated at once and a fresh one started for the next job).
 */
import type { Rect, ViewRegions } from '../../analysis/polygons.ts';
import type { SawtoothCount } from '../../analysis/sawtooth.ts';
import type { SegmentWalk } from '../../analysis/segment.ts';
import type { Network } from '../../model/graph/graph.ts';
import type { AnalysisReply, AnalysisRequest, AnalysisResult } from './protocol.ts';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

interface Job {
  readonly id: number;
  resolve(value: { result: AnalysisResult; seconds: number }): void;
  reject(error: Error): void;
  onProgress?: ((done: number, total: number) => void) | undefined;
}

export class AnalysisClient {
  private worker: Worker | null = null;
  private sentNet: Network | null = null;
  private job: Job | null = null;
  private nextId = 1;

  constructor(private readonly label: string) {}

  get busy(): boolean {
    return this.job !== null;
  }

  async regions(
    net: Network,
    rect: Rect,
    layers: number,
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ regions: ViewRegions; seconds: number }> {
    const { result, seconds } = await this.submit(net, (id) => ({ kind: 'regions', id, rect, layers }), onProgress);
    if (result.kind !== 'regions') throw new Error('the analysis worker answered with the wrong kind of result');
    return { regions: result.regions, seconds };
  }

  async segment(
    net: Network,
    p0: readonly [number, number],
    p1: readonly [number, number],
    layers: number,
    unit = 0,
  ): Promise<{ walk: SegmentWalk; seconds: number }> {
    const { result, seconds } = await this.submit(net, (id) => ({ kind: 'segment', id, p0, p1, layers, unit }));
    if (result.kind !== 'segment') throw new Error('the analysis worker answered with the wrong kind of result');
    return { walk: result.walk, seconds };
  }

  /** Regions of the depth-k sawtooth along [0, 1] for each perturbation, over seeds 1..seeds. */
  async sawtooth(depth: number, epsilons: readonly number[], seeds: number): Promise<SawtoothCount[]> {
    const { result } = await this.submit(null, (id) => ({ kind: 'sawtooth', id, depth, epsilons, seeds }));
    if (result.kind !== 'sawtooth') throw new Error('the analysis worker answered with the wrong kind of result');
    return result.counts;
  }

  /** Stops the running job (its promise rejects with CancelledError). */
  cancel(): void {
    this.worker?.terminate();
    this.worker = null;
    this.sentNet = null;
    this.job?.reject(new CancelledError());
    this.job = null;
  }

  /** Runs one job; a job still running is cancelled first (the newest question is the one that matters). */
  private submit(
    net: Network | null,
    request: (id: number) => Exclude<AnalysisRequest, { kind: 'net' }>,
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ result: AnalysisResult; seconds: number }> {
    if (this.job) this.cancel();
    const worker = this.ensureWorker();
    if (net !== null && this.sentNet !== net) {
      worker.postMessage({ kind: 'net', net } satisfies AnalysisRequest);
      this.sentNet = net;
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.job = { id, resolve, reject, onProgress };
      worker.postMessage(request(id));
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: this.label });
    worker.onmessage = (event: MessageEvent<AnalysisReply>) => this.receive(event.data);
    worker.onerror = (event) => {
      const job = this.job;
      this.job = null;
      this.cancel();
      job?.reject(new Error(`the analysis worker failed: ${event.message || 'no message'}`));
    };
    this.worker = worker;
    return worker;
  }

  private receive(reply: AnalysisReply): void {
    const job = this.job;
    if (!job || reply.id !== job.id) return;
    if (reply.kind === 'progress') {
      job.onProgress?.(reply.done, reply.total);
      return;
    }
    this.job = null;
    if (reply.kind === 'done') job.resolve({ result: reply.result, seconds: reply.seconds });
    else job.reject(new Error(reply.message));
  }
}
