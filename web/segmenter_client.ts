import type { FitSettings } from '../src/fit/fit_settings.js';
import type { BackendReport, BackendRequest, FitSummary, WorkerReply, WorkerRequest } from './worker_protocol.js';

export type Progress = Extract<WorkerReply, { type: 'progress' }>;

type Pending = { resolve: (reply: WorkerReply) => void; reject: (err: Error) => void; onProgress?: (p: Progress) => void };

/** The page's handle on the segmentation worker: one request at a time, answered by a promise; `stop` ends the worker and starts a fresh one. */
export class SegmenterClient {
  private worker!: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  backend: Promise<BackendReport>;

  constructor(private readonly backendRequest: BackendRequest) {
    this.backend = this.start();
  }

  private start(): Promise<BackendReport> {
    this.worker = new Worker(new URL('./segment_worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      if (reply.type === 'progress') {
        waiting.onProgress?.(reply);
        return;
      }
      this.pending.delete(reply.id);
      if (reply.type === 'error') waiting.reject(new Error(reply.message));
      else waiting.resolve(reply);
    };
    this.worker.onerror = (event) => {
      const err = new Error(`the segmentation worker failed: ${event.message || 'could not be loaded'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    return this.request({ type: 'init', backend: this.backendRequest }).then((r) => (r as Extract<WorkerReply, { type: 'ready' }>).backend);
  }

  private request(body: DistributiveOmit<WorkerRequest, 'id'>, onProgress?: (p: Progress) => void, transfer: Transferable[] = []): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onProgress ? { onProgress } : {}) });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }

  /** Trains the scribble net; resolves with its 8-bit likelihood map. */
  async trainUnaries(image: { height: number; width: number; rgb: Float32Array; labels: Float32Array; weights: Float32Array }, steps: number, seed: number, onProgress: (p: Progress) => void): Promise<{ unaries: Uint8Array; seconds: number }> {
    const reply = await this.request({ type: 'train', ...image, steps, seed }, onProgress);
    return reply as Extract<WorkerReply, { type: 'trained' }>;
  }

  async fit(unaries: Uint8Array, height: number, width: number, settings: FitSettings, onProgress: (p: Progress) => void): Promise<FitSummary> {
    const reply = await this.request({ type: 'fit', unaries, height, width, settings }, onProgress);
    return (reply as Extract<WorkerReply, { type: 'fitted' }>).result;
  }

  /** Ends whatever runs (its promise rejects with "stopped") and starts a fresh worker. */
  stop(): void {
    this.close();
    this.backend = this.start();
  }

  /** Ends the worker for good. */
  close(): void {
    this.worker.terminate();
    const err = new Error('stopped');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
