export { ApplyConstraintsCallback } from './apply_constraints_callback.js';
