import * as tf from '@tensorflow/tfjs';
import { match, P } from 'ts-pattern';
import '../../layers/index.js';
import { ConvexPrior } from './convex_prior.js';
import { PeriodicPrior } from './periodic_prior.js';
import { PathConnectedPrior } from './path_connected_prior.js';
import { StarPrior } from './star_prior.js';
import { SymmetricPrior } from './symmetric_prior.js';
import { UnionPrior } from './union_prior.js';
import type { ImplicitPrior } from './implicit_prior.js';
import { resolvePriorConfig, type PriorConfig } from './prior_config.js';

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
  if (!meta) throw new Error(`${where}: not a shapeprior prior (no userDefinedMetadata.shapeprior)`);
  if (meta.formatVersion !== PRIOR_FORMAT_VERSION) {
    throw new Error(`${where}: prior format version ${meta.formatVersion} is not supported (expected ${PRIOR_FORMAT_VERSION})`);
  }
  const config = resolvePriorConfig(meta.config);
  return match(config)
    .with({ kind: 'convex' }, (c) => new ConvexPrior(c, { model }))
    .with({ kind: P.union('star', 'radial') }, (c) => new StarPrior(c, { model }))
    .with({ kind: P.union('mirror', 'rotation') }, (c) => new SymmetricPrior(c, { model }))
    .with({ kind: 'periodic' }, (c) => new PeriodicPrior(c, { model }))
    .with({ kind: 'pc' }, (c) => new PathConnectedPrior(c, { model }))
    .with({ kind: 'union' }, (c) => new UnionPrior(c, { model }))
    .exhaustive();
}
