export type { PriorState, PriorStore, StoredTensor } from './prior_state.js';
export { MemoryPriorStore } from './memory_prior_store.js';
export { DiskPriorStore, DEFAULT_CACHE_ENTRIES, STORE_FORMAT, STORE_FORMAT_VERSION, type DiskPriorStoreOptions } from './disk_prior_store.js';
export { PriorStoreError } from './prior_store_error.js';
export { ENTRY_FORMAT, ENTRY_VERSION } from './entry_codec.js';
export { withImplicitPrior, ImplicitPriorTrainer, JOINT_DEFAULTS, type JointSample, type JointData, type ImplicitPriorOptions, type JointFitOptions, type JointStepLogs } from './implicit_prior_trainer.js';
export { ImplicitPriorCallback, type ImplicitPriorHookOptions } from './implicit_prior_callback.js';
export { PerSamplePriors, type PerSamplePriorOptions } from './per_sample_priors.js';
export { weightedBinaryCrossEntropy, agreementPenalty, alphaValue, type AlphaSchedule } from './joint_loss.js';
