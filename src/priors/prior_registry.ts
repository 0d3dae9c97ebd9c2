import type * as tf from '@tensorflow/tfjs';
import { ConvexPrior, convexGraph } from './convex_prior.js';
import type { ImplicitPrior } from './implicit_prior.js';
import type { PriorGraph, PriorOptions } from './network_prior.js';
import { PathConnectedPrior, pathConnectedGraph } from './path_connected_prior.js';
import { PeriodicPrior, periodicGraph } from './periodic_prior.js';
import { PRIOR_KIND_INFO, type ConfigOf, type MemberPriorConfig, type PriorConfig, type PriorKind, type PriorKindInfo } from './prior_config.js';
import { StarPrior, starGraph } from './star_prior.js';
import { SymmetricPrior, symmetricGraph } from './symmetric_prior.js';
import { UnionPrior } from './union_prior.js';

/** A kind's network half: how to build its prior object and (for kinds that can be union members) its graph. */
export interface PriorBuilder<K extends PriorKind> {
  /** The prior object, over a fresh network or the one in `options.model`. */
  create(config: ConfigOf<K>, options: PriorOptions): ImplicitPrior;
  /** The kind's net on shared coordinates (a union's members share one input); absent for the union itself. */
  graph?: PriorGraph<ConfigOf<K>>;
}

/**
 * The registry of prior kinds: each kind's description (label, settings, config
 * defaults and checks, from PRIOR_KIND_INFO) with its network half. createPrior,
 * loadPrior and the union read it. Adding a kind: its file, its config in
 * prior_config.ts, and one line here (the mapped type makes a missing one an error).
 */
export const PRIOR_REGISTRY: { readonly [K in PriorKind]: PriorKindInfo<K> & PriorBuilder<K> } = {
  convex: { ...PRIOR_KIND_INFO.convex, graph: convexGraph, create: (c, o) => new ConvexPrior(c, o) },
  star: { ...PRIOR_KIND_INFO.star, graph: starGraph, create: (c, o) => new StarPrior(c, o) },
  radial: { ...PRIOR_KIND_INFO.radial, graph: starGraph, create: (c, o) => new StarPrior(c, o) },
  mirror: { ...PRIOR_KIND_INFO.mirror, graph: symmetricGraph, create: (c, o) => new SymmetricPrior(c, o) },
  rotation: { ...PRIOR_KIND_INFO.rotation, graph: symmetricGraph, create: (c, o) => new SymmetricPrior(c, o) },
  periodic: { ...PRIOR_KIND_INFO.periodic, graph: periodicGraph, create: (c, o) => new PeriodicPrior(c, o) },
  pc: { ...PRIOR_KIND_INFO.pc, graph: pathConnectedGraph, create: (c, o) => new PathConnectedPrior(c, o) },
  // Lazy: union_prior.ts reads this registry for its members, so the class is only touched when called.
  union: { ...PRIOR_KIND_INFO.union, create: (c, o) => new UnionPrior(c, o) },
};

/** The registry entry of a config's kind, typed for that config (TypeScript cannot correlate the two by itself). */
function builderOf<C extends PriorConfig>(config: C): PriorBuilder<C['kind']> {
  return PRIOR_REGISTRY[config.kind] as unknown as PriorBuilder<C['kind']>;
}

/** A prior object for a resolved config: over a fresh network (seeded) or over `options.model`. */
export function priorOf(config: PriorConfig, options: PriorOptions = {}): ImplicitPrior {
  return builderOf(config).create(config as never, options);
}

/** A union member's net on the union's shared input. */
export function memberGraph(coords: tf.SymbolicTensor, member: MemberPriorConfig, seed: number | undefined, prefix: string): tf.SymbolicTensor {
  return builderOf(member).graph!(coords, member as never, seed, prefix);
}
