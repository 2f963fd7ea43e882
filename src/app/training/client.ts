/** The app's side of the training worker: start, pause, resume, stop (the worker is terminated), and its replies. */
import type { RunSpec } from '../../train/run.ts';
import type { TrainingReply, TrainingRequest } from './protocol.ts';

export class TrainingClient {
  private worker: Worker | null = null;
  /** The run started last. */
  private run = 0;

  constructor(private readonly receive: (reply: TrainingReply) => void) {}

  /** Starts run `run` (its replies carry the id). */
  start(run: number, spec: RunSpec): void {
    this.send({ kind: 'start', run, spec });
  }

  pause(): void {
    this.worker?.postMessage({ kind: 'pause' } satisfies TrainingRequest);
  }

  resume(): void {
    this.worker?.postMessage({ kind: 'resume' } satisfies TrainingRequest);
  }

  /** The live net sent last is drawn: the worker may send the next. */
  want(): void {
    this.worker?.postMessage({ kind: 'want' } satisfies TrainingRequest);
  }

  /** A net's picture is being computed (or no longer): the worker gives it half its time meanwhile. */
  drawing(busy: boolean): void {
    this.worker?.postMessage({ kind: 'drawing', busy } satisfies TrainingRequest);
  }

  /** Ends the run at once (the worker is terminated; a fresh one takes the next run). */
  stop(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private send(request: TrainingRequest): void {
    if (request.kind === 'start') this.run = request.run;
    if (!this.worker) {
      const worker = new Worker(new URL('./worker.ts', import.meta.url), {
        type: 'module',
        name: 'ReLUscope.training',
      });
      worker.onmessage = (event: MessageEvent<TrainingReply>) => {
        if (this.worker === worker) this.receive(event.data);
      };
      worker.onerror = (event) => {
        if (this.worker !== worker) return;
        this.stop();
        this.receive({
          kind: 'error',
          run: this.run,
          message: `the training worker failed: ${event.message || 'no message'}`,
        });
      };
      this.worker = worker;
    }
    this.worker.postMessage(request);
  }
}
