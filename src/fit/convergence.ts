import { iou } from '../metrics.js';
import { evaluateMask } from '../priors/evaluate.js';
import type { ImplicitPrior } from '../priors/implicit_prior.js';

/** Longer side of the coarse grid the convergence test evaluates (the mask's shape, not its pixels, must settle). */
const CHECK_GRID = 128;

/**
 * The convergence test: every check evaluates the prior's mask on a coarse grid of
 * the image's frame and compares it with the previous check by 1 - IoU, i.e. the
 * flipped pixels relative to the object, not to the image (a small object that is
 * still growing must not look settled). When that stays below `tolerance` for
 * `patience` consecutive checks, the shape has settled and further steps would only
 * polish the score values.
 */
export class ConvergenceMonitor {
  private previous: Uint8Array | null = null;
  private quiet = 0;
  private readonly h: number;
  private readonly w: number;

  constructor(private readonly prior: ImplicitPrior, height: number, width: number, private readonly tolerance: number, private readonly patience: number) {
    const scale = CHECK_GRID / Math.max(height, width);
    this.h = Math.max(1, Math.round(height * scale));
    this.w = Math.max(1, Math.round(width * scale));
  }

  /** Returns true once the mask has been stable for `patience` checks. */
  check(): boolean {
    const mask = evaluateMask(this.prior, this.h, this.w);
    if (this.previous) {
      this.quiet = 1 - iou(mask, this.previous) < this.tolerance ? this.quiet + 1 : 0;
    }
    this.previous = mask;
    return this.quiet >= this.patience;
  }
}
