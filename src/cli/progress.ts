import cliProgress from 'cli-progress';
import type { FitProgress } from '../fit/fit_prior.js';

/** A progress bar on stderr when it is a terminal; otherwise silent (logs and pipes stay clean). */
export function fitProgressBar(stream: NodeJS.WriteStream = process.stderr): { update(p: FitProgress): void; stop(): void } {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream, format: 'fitting [{bar}] {value}/{total} steps | loss {loss}', hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      if (!started) {
        bar.start(p.maxSteps, 0, { loss: '-' });
        started = true;
      }
      bar.update(p.step, { loss: p.loss.toFixed(5) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** A progress bar over a batch's images on stderr when it is a terminal; otherwise silent. */
export function batchProgressBar(stream: NodeJS.WriteStream = process.stderr): { update(done: number, total: number, failed: number): void; stop(): void } {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { stream, format: 'batch [{bar}] {value}/{total} images | {failed} failed | {duration_formatted} elapsed, eta {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, failed) {
      if (!started) {
        bar.start(total, 0, { failed: 0 });
        started = true;
      }
      bar.update(done, { failed });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
