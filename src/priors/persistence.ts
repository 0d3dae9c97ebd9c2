import * as tf from '@tensorflow/tfjs';
import '../../layers/index.js';
import type { ImplicitPrior } from './implicit_prior.js';
import { resolvePriorConfig, type PriorConfig } from './prior_config.js';
import { priorOf } from './prior_registry.js';
import { InputError } from '../errors.js';

/** Version of the metadata shapeprior stores in model.json (userDefinedMetadata.shapeprior). */
export const PRIOR_FORMAT_VERSION = 1;

interface StoredPriorMetadata {
  formatVersion: number;
  config: PriorConfig;
}

/**
 * Saves a prior with tfjs's own format (`model.json` + weights) plus its config in
 * the model's user-defined metadata, so `loadPrior` can restore the prior itself and
 * `tf.loadLayersModel` still loads the bare network.
 */
export async function savePrior(prior: ImplicitPrior, url: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
  const metadata: StoredPriorMetadata = { formatVersion: PRIOR_FORMAT_VERSION, config: prior.config };
  prior.model.setUserDefinedMetadata({ shapeprior: metadata as unknown as Record<string, unknown> });
  return prior.model.save(url);
}

export async function loadPrior(url: string | tf.io.IOHandler): Promise<ImplicitPrior> {
  const model = await tf.loadLayersModel(url);
  const where = typeof url === 'string' ? url : 'the given IOHandler';
  const meta = (model.getUserDefinedMetadata() as { shapeprior?: StoredPriorMetadata } | undefined)?.shapeprior;
  if (!meta) throw new InputError(`${where}: not a shapeprior prior (no userDefinedMetadata.shapeprior)`);
  if (meta.formatVersion !== PRIOR_FORMAT_VERSION) {
    throw new InputError(`${where}: prior format version ${meta.formatVersion} is not supported (expected ${PRIOR_FORMAT_VERSION})`);
  }
  const config = resolvePriorConfig(meta.config);
  return priorOf(config, { model });
}
