import { Worker, type ResourceLimits } from 'node:worker_threads';

/** How the error of a run whose workers could not start begins. */
export const WORKER_START_FAILED = 'a batch worker failed to start';

type WorkerMessage<R> = { type: 'ready'; backend: string } | { type: 'done'; result: R };

/**
 * Runs jobs on `size` worker threads of one script, one job per worker at a time, and
 * hands each result over as it comes. A worker that dies mid-job (out of memory, a
 * crash in native code) costs only that job: `onCrash` turns it into a result, and a
 * new worker takes the dead one's place. A worker that fails before it is ready (its
 * backend does not load) fails the whole run: every other worker would too.
 */
export async function runOnWorkers<J, R>(options: {
  script: URL;
  workerData: unknown;
  /** The workers' V8 heap limits (default: Node's). */
  resourceLimits?: ResourceLimits;
  size: number;
  jobs: readonly J[];
  onResult: (result: R, job: J) => void;
  onCrash: (job: J, error: Error) => R;
  /** Called once with the first worker's description of its backend. */
  onReady?: (backend: string) => void;
}): Promise<void> {
  const { jobs } = options;
  if (jobs.length === 0) return;
  let next = 0;
  let finished = 0;
  let readyReported = false;
  const live = new Set<Worker>();
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      for (const w of live) void w.terminate();
      reject(err);
    };
    const start = () => {
      const worker = new Worker(options.script, { workerData: options.workerData, ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}) });
      live.add(worker);
      let ready = false;
      let current: J | null = null;
      const give = () => {
        if (next >= jobs.length) {
          live.delete(worker);
          void worker.terminate();
          return;
        }
        current = jobs[next++]!;
        worker.postMessage(current);
      };
      worker.on('message', (msg: WorkerMessage<R>) => {
        if (msg.type === 'ready') {
          ready = true;
          if (!readyReported) {
            readyReported = true;
            options.onReady?.(msg.backend);
          }
          give();
          return;
        }
        const job = current!;
        current = null;
        options.onResult(msg.result, job);
        if (++finished === jobs.length) resolve();
        else give();
      });
      const died = (err: Error) => {
        if (!live.delete(worker) || failed) return;
        if (!ready) return fail(new Error(`${WORKER_START_FAILED}: ${err.message}`));
        if (current !== null) {
          const job = current;
          current = null;
          options.onResult(options.onCrash(job, err), job);
          if (++finished === jobs.length) return resolve();
        }
        if (next < jobs.length) start();
      };
      worker.on('error', died);
      worker.on('exit', (code) => died(new Error(`worker exited with code ${code}`)));
    };
    for (let k = 0; k < Math.min(options.size, jobs.length); k++) start();
  });
  await Promise.all([...live].map((w) => w.terminate()));
}
