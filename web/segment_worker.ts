/**
 * The page's worker: the same library code as the CLI (its FitSettings mapping,
 * createPrior, fitPrior, evaluateMask, the certificates, the scribble net) on the
 * browser's backend. Posts progress with the current mask while a fit runs, throttled
 * so the page redraws a few times a second.
 */
import { checkSettings } from '../src/fit/fit_settings.js';
import { fitWithSettings } from '../src/fit/fit_with_settings.js';
import type { FitProgress } from '../src/fit/fit_prior.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import type { ImplicitPrior } from '../src/priors/implicit_prior.js';
import { probabilityMap } from '../src/probability_map.js';
import { trainScribbleNet } from '../src/scribbles/train_scribble_net.js';
import { activateBackend } from './browser_backend.js';
import type { FitSummary, WorkerReply, WorkerRequest } from './worker_protocol.js';

interface WorkerScope {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<WorkerRequest>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/**
 * Live masks during a fit: at most one per MASK_EVERY_MS, and at most MASK_SHARE of
 * the time, since each is a forward pass over every pixel (on a 256x256 map about as
 * long as several fit steps).
 */
const MASK_EVERY_MS = 250;
const MASK_SHARE = 0.1;

/** Like readUnaries: byte / 255, so a map saved by the page and read by the CLI gives the same numbers. */
function unariesFromBytes(bytes: Uint8Array, height: number, width: number) {
  return probabilityMap(height, width, Float32Array.from(bytes, (v) => v / 255));
}

async function fit(request: Extract<WorkerRequest, { type: 'fit' }>): Promise<FitSummary> {
  const { id, height, width } = request;
  const data = unariesFromBytes(request.unaries, height, width);
  let nextMask = 0;
  let prior: ImplicitPrior | null = null;
  const onProgress = (p: FitProgress) => {
    const now = performance.now();
    let mask: Uint8Array | undefined;
    if (prior && now >= nextMask) {
      mask = evaluateMask(prior, height, width);
      const cost = performance.now() - now;
      nextMask = now + Math.max(MASK_EVERY_MS, cost / MASK_SHARE);
    }
    scope.postMessage({ id, type: 'progress', phase: 'fit', step: p.step, steps: p.maxSteps, loss: p.loss, stage: p.stage, ...(mask ? { mask } : {}) }, mask ? [mask.buffer] : []);
  };
  const { settings } = request;
  checkSettings(settings);
  // The prior comes back before its fit starts, so progress can draw its mask (not with --folds auto, which tries several).
  const result = await fitWithSettings(settings, data, 2, onProgress, (p) => {
    prior = p;
  });
  const mask = evaluateMask(result.prior, height, width);
  const folds = result.prior.config.kind === 'rotation' ? result.prior.config.folds : undefined;
  result.prior.dispose();
  return { mask, steps: result.steps, seconds: result.seconds, converged: result.converged, finalLoss: result.finalLoss, certificate: result.certificate, ...(folds === undefined ? {} : { folds }) };
}

async function handle(request: WorkerRequest): Promise<void> {
  const { id } = request;
  switch (request.type) {
    case 'init': {
      scope.postMessage({ id, type: 'ready', backend: await activateBackend(request.backend) });
      return;
    }
    case 'train': {
      const { height, width } = request;
      const trained = await trainScribbleNet(
        { height, width, rgb: request.rgb, labels: request.labels, weights: request.weights },
        { steps: request.steps, seed: request.seed, onProgress: (p) => scope.postMessage({ id, type: 'progress', phase: 'net', ...p }) },
      );
      // 8 bits, as the page saves it: the CLI run on the saved map fits the very same numbers.
      const unaries = Uint8Array.from(trained.unaries.data, (v) => Math.round(v * 255));
      scope.postMessage({ id, type: 'trained', unaries, seconds: trained.seconds, finalLoss: trained.finalLoss }, [unaries.buffer]);
      return;
    }
    case 'fit': {
      const result = await fit(request);
      scope.postMessage({ id, type: 'fitted', result }, [result.mask.buffer]);
      return;
    }
  }
}

scope.onmessage = (event) => {
  handle(event.data).catch((err: unknown) => {
    scope.postMessage({ id: event.data.id, type: 'error', message: err instanceof Error ? err.message : String(err) });
  });
};
