import { ConfigError } from '../errors.js';
import { resolvePriorConfig, type PriorConfig, type PriorConfigInput } from '../priors/prior_config.js';
import { isClassNumber } from './prior_key.js';

/**
 * Priors for a net with several output channels, one entry per class: the channel's
 * index -> its prior's kind or config, or null for a class left alone (no prior, no
 * penalty, nothing stored), e.g. `{ 1: 'pc', 2: 'convex', 3: null }`. Channels not named
 * are left alone too. Nothing is special about channel 0: for a softmax net it is
 * usually the background, which has no shape to constrain, so it is simply not given a
 * prior.
 */
export type ClassPriors = { readonly [channel: number]: PriorConfigInput | null };

/** What withImplicitPrior takes: one prior kind / config (a net with one output channel), or one per class. */
export type JointPriorSpec = PriorConfigInput | ClassPriors;

/** A class with a prior: its output channel and config. */
export interface ClassPrior {
  channel: number;
  config: PriorConfig;
}

/**
 * The classes with priors, by channel, for a net with `channels` output channels, and
 * whether the store keys carry the class: a single prior (a kind or a config) on a
 * one-channel net keeps the plain sample id as its key, as every store did before
 * classes, so such stores load unchanged.
 */
export function resolveClassPriors(spec: JointPriorSpec, channels: number): { classes: ClassPrior[]; keyed: boolean } {
  if (typeof spec === 'string' || (typeof spec === 'object' && spec !== null && 'kind' in spec)) {
    if (channels !== 1) throw new ConfigError(`the model has ${channels} output channels: give one prior per class, e.g. { 1: 'convex', 2: 'pc' } (channel -> kind, null for none)`);
    return { classes: [{ channel: 0, config: resolvePriorConfig(spec as PriorConfigInput) }], keyed: false };
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new ConfigError(`priors must be a kind, a prior config, or { channel: kind | config | null }, got ${JSON.stringify(spec)}`);
  const classes: ClassPrior[] = [];
  for (const [key, value] of Object.entries(spec as Record<string, PriorConfigInput | null>)) {
    const channel = Number(key);
    if (!isClassNumber(channel) || String(channel) !== key) throw new ConfigError(`class priors are keyed by output channel (0, 1, ...), got ${JSON.stringify(key)}`);
    if (channel >= channels) throw new ConfigError(`class ${channel}: the model has only ${channels} output channel${channels === 1 ? '' : 's'} (0..${channels - 1})`);
    if (value === null || value === undefined) continue;
    try {
      classes.push({ channel, config: resolvePriorConfig(value) });
    } catch (error) {
      if (error instanceof ConfigError) throw new ConfigError(`class ${channel}: ${error.message}`);
      throw error;
    }
  }
  if (classes.length === 0) throw new ConfigError('no class has a prior: give at least one channel a kind (e.g. { 1: \'convex\' }); train with beta = 0 for no priors at all');
  classes.sort((a, b) => a.channel - b.channel);
  return { classes, keyed: true };
}
