// The fit's defaults, without tfjs: the CLI shows them in --help before it loads anything heavy.

/**
 * Defaults that depend on the estimator. The cell quadrature's gradient has no
 * sampling noise: it takes Adam's 1e-2 (the authors' convex recipe) and a plateau
 * shows within 15-step windows. Random pixels need 1e-3 (the paper's; 1e-2 makes the
 * noisy steps too large) and 25-step windows to average the noise. Measured on
 * 256x256 occluded ellipses: cells IoU 0.982-0.990 in 225-300 steps (8-11 s); pixels
 * 0.95-0.97 in 300-400 steps; a fixed 3000-step full-grid fit 0.99.
 */
export const SAMPLING_DEFAULTS = {
  cells: { learningRate: 1e-2, checkEvery: 15, pointsPerStep: 3000 as number | 'all' },
  pixels: { learningRate: 1e-3, checkEvery: 25, pointsPerStep: 1024 as number | 'all' },
} as const;

export const FIT_DEFAULTS = {
  maxSteps: 1000,
  sampling: 'cells' as 'cells' | 'pixels',
  seed: 0,
  balance: true,
  foregroundWeight: 1,
  backgroundWeight: 1,
  tolerance: 0.01,
  patience: 2,
  reductions: 3,
  initialize: true,
  retry: true,
} as const;
