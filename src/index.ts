// shapeprior: provable shape constraints for TensorFlow.js segmentation.
// Importing the package registers its layers for `tf.loadLayersModel`.
export * from '../layers/index.js';
export * from '../callbacks/index.js';
export { initBackend, activeBackend, parseBackendChoice, BACKEND_CHOICES, type BackendChoice, type BackendInfo } from './backend.js';
export { gridCoordinates, pixelToFrame } from './coordinates.js';
export { probabilityMap, thresholdMap, type ProbabilityMap } from './probability_map.js';
export { iou } from './metrics.js';
export { occludedEllipse, occludedStar, perforatedSheet, twoOccludedEllipses, movingDisc, planeInDepth, scribbledEllipse, scribbleScene, type SyntheticCase, type OccludedEllipseOptions } from './synthetic.js';
export { resolvePriorConfig, PRIOR_KINDS, DEFAULT_CONVEX, type PriorConfig, type PriorConfigInput, type PriorKind, type ConvexPriorConfig, type StarPriorConfig, type RadialPriorConfig, type MirrorPriorConfig, type RotationPriorConfig, type PeriodicPriorConfig, type UnionPriorConfig, type MemberPriorConfig, type PathConnectedPriorConfig, DEFAULT_PATH_CONNECTED } from './priors/prior_config.js';
export type { ImplicitPrior, Certificate, CertifyOptions, TrainingStage } from './priors/implicit_prior.js';
export { createPrior, type CreatePriorOptions } from './priors/create_prior.js';
export { ConvexPrior, buildConvexNet } from './priors/convex_prior.js';
export { StarPrior, buildStarNet } from './priors/star_prior.js';
export { SymmetricPrior, buildSymmetricNet } from './priors/symmetric_prior.js';
export { PeriodicPrior, buildPeriodicNet } from './priors/periodic_prior.js';
export { UnionPrior, buildUnionNet } from './priors/union_prior.js';
export { PathConnectedPrior, buildPathConnectedNet } from './priors/path_connected_prior.js';
export { NormalizingFlow } from './flows/normalizing_flow.js';
export { framesAt, liftedByDepth, isSliceStack, dataDim, type SliceStack, type Slice, type LikelihoodData } from './slice_stack.js';
export { foregroundComponents, connectedComponents } from './fit/components.js';
export { evaluateMask, evaluateProbability, evaluateScores, evaluateGridScores, sliceCoordinates, sampleFramePoints } from './priors/evaluate.js';
export { savePrior, loadPrior, PRIOR_FORMAT_VERSION } from './priors/persistence.js';
export { fitPrior, FIT_DEFAULTS, SAMPLING_DEFAULTS, type FitOptions, type FitResult, type FitStats, type FitProgress } from './fit/fit_prior.js';
export { fitBestFolds, type FoldsSearchResult } from './fit/fit_folds.js';
export { readUnaries, readRgb, readDepth, writeMask, writeOverlay, writeRgb, overlay, maskBoundary, probabilityToRgb, type RgbImage } from './io/images.js';
export { FileSystemHandler, registerFileRouters } from './io/file_router.js';
export { InputError } from './io/input_error.js';
export * from './joint/index.js';
