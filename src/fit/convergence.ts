export type ScheduleDecision = 'continue' | 'reduce' | 'stop';

/**
 * The convergence test: ReduceLROnPlateau on the Monte-Carlo loss.
 *
 * Losses are averaged over windows of `window` steps (one minibatch is too noisy to
 * compare). A window that does not beat the best so far by the relative margin
 * `tolerance` is a plateau window; after `patience` of them in a row the optimiser
 * is only bouncing around the optimum at this step size (seen as the whole shape
 * jittering by a pixel), so the caller halves the learning rate, which shrinks the
 * bounce. After `reductions` halvings the fit has converged.
 */
export class ConvergenceMonitor {
  private sum = 0;
  private count = 0;
  private best = Infinity;
  private flat = 0;
  private reduced = 0;
  private lastMean = NaN;

  constructor(
    private readonly window: number,
    private readonly tolerance: number,
    private readonly patience: number,
    private readonly reductions: number,
  ) {}

  /** Mean loss of the last complete window (NaN before the first). */
  get windowLoss(): number {
    return this.lastMean;
  }

  /** Feeds one step's loss; at the end of each window returns what to do. */
  observe(loss: number): ScheduleDecision {
    this.sum += loss;
    this.count++;
    if (this.count < this.window) return 'continue';
    const mean = this.sum / this.count;
    this.lastMean = mean;
    this.sum = 0;
    this.count = 0;
    if (mean < this.best * (1 - this.tolerance)) {
      this.best = mean;
      this.flat = 0;
      return 'continue';
    }
    this.best = Math.min(this.best, mean);
    if (++this.flat < this.patience) return 'continue';
    this.flat = 0;
    if (this.reduced >= this.reductions) return 'stop';
    this.reduced++;
    return 'reduce';
  }
}
