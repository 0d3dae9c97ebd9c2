// Importing this module registers every shapeprior layer with tfjs serialisation,
// so `tf.loadLayersModel` can rebuild saved priors.
export { explicitTransposeMatMul } from './explicit_transpose_matmul.js';
export { InputConvexDense, type InputConvexDenseArgs, type ConvexActivation } from './input_convex_dense.js';
export { AffineNormalization } from './affine_normalization.js';
export { LevelSetSaturation, type LevelSetSaturationArgs } from './level_set_saturation.js';
export { FastDense, type FastDenseArgs, type FastDenseActivation } from './fast_dense.js';
export { PolarCoordinates } from './polar_coordinates.js';
export { AngularHarmonics, type AngularHarmonicsArgs } from './angular_harmonics.js';
export { MirrorHarmonics, type MirrorHarmonicsArgs } from './mirror_harmonics.js';
export { PeriodicSines, type PeriodicSinesArgs } from './periodic_sines.js';
export { RadialProfile, type RadialProfileArgs } from './radial_profile.js';
export { applyWeightConstraints } from './weight_constraints.js';
export { AffineCoupling, type AffineCouplingArgs } from './affine_coupling.js';
export { ActNorm } from './act_norm.js';
export { InvertibleLinear, type InvertibleLinearArgs } from './invertible_linear.js';
export { FlowLayer, isFlowLayer, constantLogDet, type Flow, type FlowResult } from './flow_layer.js';
export { invertMatrix, luDecompose, rowTimesMatrix } from './small_matrix.js';
