// A batch's worker thread: one tfjs backend of its own, fitting the jobs the pool sends, one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendChoice } from '../backend/backend.js';
import type { FitSettings } from '../fit/fit_settings.js';
import { runFitJob, type FitJob } from './fit_job.js';

const { settings, backend } = workerData as { settings: FitSettings; backend?: BackendChoice };
const port = parentPort!;
const info = await initBackend(backend);
port.on('message', (job: FitJob) => {
  void runFitJob(settings, job).then((result) => port.postMessage({ type: 'done', result }));
});
port.postMessage({ type: 'ready', backend: info.description });
