import { match, P } from 'ts-pattern';
import { ConfigError } from '../errors.js';

/**
 * Every prior kind is one case of this union; `createPrior` and the CLI match it
 * exhaustively, so adding a kind is a compile error everywhere it must be handled.
 */
export type PriorConfig = MemberPriorConfig | UnionPriorConfig;
/** Every kind that can be a member of a union. */
export type MemberPriorConfig = ConvexPriorConfig | StarPriorConfig | RadialPriorConfig | MirrorPriorConfig | RotationPriorConfig | PeriodicPriorConfig | PathConnectedPriorConfig;
export type PriorKind = PriorConfig['kind'];

/** Input-convex net: every sublevel set {F <= t} is convex (eq. 1). */
export interface ConvexPriorConfig {
  kind: 'convex';
  /** Coordinates per point: 2 for (x, y), 3 for (x, y, t) or (x, y, depth). */
  inputDim: 2 | 3;
  /** Hidden layers. The paper uses 3. */
  depth: number;
  /** Units per hidden layer. The paper uses 130. */
  width: number;
  activation: 'relu' | 'softplus';
  /**
   * Slope of the cone F = gain * (|x| - 1) that the data-dependent initialisation
   * starts from (x in moment-normalised units). A steep start gives a sharp
   * sigmoid(-F) edge from the first step.
   */
  initGain: number;
}

/** What users pass: a kind name, or a partial config of one kind (the rest is defaulted). */
export type PriorConfigInput = MemberConfigInput | { kind: 'union'; count?: number; member?: MemberConfigInput };
type MemberKind = MemberPriorConfig['kind'];
type MemberConfigInput = PriorKind | { [K in MemberKind]: Partial<Extract<MemberPriorConfig, { kind: K }>> & { kind: K } }[MemberKind];

/** Shared by the polar priors: a direction net h(v) feeding a radial-profile head. */
interface PolarShapeConfig {
  /**
   * 2 for (x, y); 3 for (x, y, z) with z a time or depth: the polar coordinates are
   * taken in each slice z = const about a centre that moves linearly with z, and the
   * guarantee holds in every slice.
   */
  inputDim: 2 | 3;
  /** Harmonics of the polar angle fed to the direction net. */
  harmonics: number;
  /** Hidden layers of the direction net. */
  depth: number;
  /** Units per hidden layer of the direction net. */
  width: number;
  /** Knots of the piecewise-linear radial profile. */
  knots: number;
  /**
   * How smooth the radius along the rays must be. On one map (the closed-form start,
   * see polarShapeStart) it sets the cost of jumps of the radius between neighbouring
   * rays (smoothness x JUMP_COST_PER_SMOOTHNESS); in gradient training (joint training,
   * slices) it weighs the penalty on the radius's roughness (see RadialSmoothness).
   * 0 lets the radius jump (spikes where the data is silent); larger keeps only lower
   * angular frequencies. Never part of the guarantee, which holds for every value.
   */
  smoothness: number;
}

/** Star-shaped about a learnable centre: the segment from the centre to any point of the set lies in it (eq. 3, Prop. 2.1). */
export interface StarPriorConfig extends PolarShapeConfig {
  kind: 'star';
}

/** Radially convex: every ray from a learnable centre meets the set in one interval (eq. 3 without G(v, 0) = -1). */
export interface RadialPriorConfig extends PolarShapeConfig {
  kind: 'radial';
}

/** Mirror symmetric about a learnable axis through a learnable centre (eq. 4); the shape is otherwise free. */
export interface MirrorPriorConfig extends PolarShapeConfig {
  kind: 'mirror';
}

/** k-fold rotation symmetric about a learnable centre (eq. 5): unchanged by a rotation of 2*pi/k; otherwise free. */
export interface RotationPriorConfig extends PolarShapeConfig {
  kind: 'rotation';
  /** k, the number of folds. */
  folds: number;
}

/** Periodic on a learnable 2-D lattice (eq. 8): the score repeats after each lattice period. */
export interface PeriodicPriorConfig {
  kind: 'periodic';
  /** 2 for (x, y); 3 for (x, y, z): the pattern is periodic in every slice and moves with z at a learnable velocity. */
  inputDim: 2 | 3;
  /** Harmonics: frequencies n1 a + n2 b with |n1|, |n2| <= H. */
  harmonics: number;
  /** Weight of the L1 penalty on the amplitudes (sparsity helps extrapolation into occluded parts). */
  sparsity: number;
}

/**
 * Path-connected (genus 0, eqs. 6-7, Prop. 2.3): P = G o D o T with G input-convex,
 * D a normalising flow and T an invertible linear map, so {P <= 0} = (D o T)^-1 of a
 * convex set: connected without holes, for every parameter value. In 3-D the flow
 * never moves the third coordinate, so each slice (frame) is path-connected too.
 */
export interface PathConnectedPriorConfig {
  kind: 'pc';
  inputDim: 2 | 3;
  /** G: hidden layers / units / activation / initial cone slope, as for the convex prior. */
  depth: number;
  width: number;
  activation: 'relu' | 'softplus';
  initGain: number;
  /** D: blocks of [affine coupling + ActNorm] (the paper: 12). */
  blocks: number;
  /** Hidden units of each coupling's MLP (the paper: 32). */
  couplingWidth: number;
  /**
   * Weight decay on D in the joint stage (the paper: 1e-5). Large: D stays near the
   * identity and the shape near convex; small: thin legs are allowed.
   */
  flowDecay: number;
  /** Learning rate of the joint stage (Adamax; the paper: 1e-3). */
  flowLearningRate: number;
  /**
   * On one map: weight in [0, 1] of the map's object region in the map the prior is
   * fitted to (see src/priors/region_guided_map.ts). 0: eq. 9 on the map alone, as the paper.
   */
  regionWeight: number;
  /**
   * Adam steps of the unbending start's regression (see PathConnectedPrior.unbend;
   * default 400, ~20 ms each). Joint training starts one prior per image: on 64x64
   * images 100 steps start as well (examples/unet_finetune.ts) at a quarter of the time.
   */
  startSteps: number;
}

/**
 * The union of `count` priors of one kind (section 2.5): F = min of the members' scores,
 * so the set is the union of their sets: N objects, one member each.
 */
export interface UnionPriorConfig {
  kind: 'union';
  member: MemberPriorConfig;
  count: number;
}

export const DEFAULT_CONVEX: ConvexPriorConfig = { kind: 'convex', inputDim: 2, depth: 3, width: 130, activation: 'relu', initGain: 10 };
export const DEFAULT_PATH_CONNECTED: PathConnectedPriorConfig = {
  kind: 'pc', inputDim: 2, depth: 3, width: 130, activation: 'relu', initGain: 10, blocks: 12, couplingWidth: 32, flowDecay: 1e-5, flowLearningRate: 1e-3, regionWeight: 0.3, startSteps: 400,
};
const DEFAULT_POLAR: PolarShapeConfig = { inputDim: 2, harmonics: 4, depth: 2, width: 32, knots: 8, smoothness: 1e-4 };

function positiveInt(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${name} must be an integer in [1, ${max}], got ${JSON.stringify(value)}`);
  }
  return value;
}

function inputDimension(value: unknown): 2 | 3 {
  if (value !== 2 && value !== 3) throw new ConfigError(`inputDim must be 2 or 3, got ${JSON.stringify(value)}`);
  return value;
}

function nonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new ConfigError(`${name} must be a non-negative number, got ${JSON.stringify(value)}`);
  return value;
}

/** The input-convex net's fields (the convex prior, and G of the path-connected prior), checked. */
function convexNet(cfg: Omit<ConvexPriorConfig, 'kind'>): Omit<ConvexPriorConfig, 'kind'> {
  inputDimension(cfg.inputDim);
  positiveInt(cfg.depth, 'depth', 16);
  positiveInt(cfg.width, 'width', 4096);
  if (cfg.activation !== 'relu' && cfg.activation !== 'softplus') {
    throw new ConfigError(`activation must be relu or softplus (convex, non-decreasing), got ${JSON.stringify(cfg.activation)}`);
  }
  if (typeof cfg.initGain !== 'number' || !(cfg.initGain > 0) || !Number.isFinite(cfg.initGain)) {
    throw new ConfigError(`initGain must be a positive number, got ${JSON.stringify(cfg.initGain)}`);
  }
  return { inputDim: cfg.inputDim, depth: cfg.depth, width: cfg.width, activation: cfg.activation, initGain: cfg.initGain };
}

function polarShape(c: Record<string, unknown>): PolarShapeConfig {
  const cfg = { ...DEFAULT_POLAR, ...c } as PolarShapeConfig;
  positiveInt(cfg.harmonics, 'harmonics', 32);
  positiveInt(cfg.depth, 'depth', 16);
  positiveInt(cfg.width, 'width', 4096);
  positiveInt(cfg.knots, 'knots', 256);
  inputDimension(cfg.inputDim);
  nonNegative(cfg.smoothness, 'smoothness');
  return { inputDim: cfg.inputDim, harmonics: cfg.harmonics, depth: cfg.depth, width: cfg.width, knots: cfg.knots, smoothness: cfg.smoothness };
}

/** The config type of one kind. */
export type ConfigOf<K extends PriorKind> = Extract<PriorConfig, { kind: K }>;

/**
 * The kind-specific fit settings (CLI flags, fields of the page). Which kinds take which
 * is part of each kind's description below; the flags themselves are in src/fit/fit_settings.ts.
 */
export type KindSetting = 'folds' | 'sparsity' | 'smoothness' | 'axisStarts' | 'flowDecay' | 'regionWeight' | 'member' | 'objects';

/**
 * What shapeprior knows about a kind without building a network (no tfjs: the page
 * reads it in the browser's main thread). Its network half, the graph and the prior
 * class, is the kind's entry in PRIOR_REGISTRY (prior_registry.ts).
 */
export interface PriorKindInfo<K extends PriorKind> {
  /** How menus and reports name the kind. */
  label: string;
  /** The fit settings that apply to the kind. */
  settings: readonly KindSetting[];
  /**
   * Completes a partial config with the paper's defaults and checks every field (configs
   * also arrive untyped: CLI flags, JSON on disk), throwing ConfigError naming the field.
   */
  resolve(raw: Record<string, unknown>): ConfigOf<K>;
}

function polarKind<K extends 'star' | 'radial' | 'mirror'>(kind: K, label: string, settings: readonly KindSetting[]): PriorKindInfo<K> {
  return { label, settings, resolve: (c) => ({ kind, ...polarShape(c) }) as ConfigOf<K> };
}

/** Every kind, keyed by its name (a mapped type: a kind cannot be left out). */
export const PRIOR_KIND_INFO: { readonly [K in PriorKind]: PriorKindInfo<K> } = {
  convex: { label: 'convex', settings: [], resolve: (c) => ({ kind: 'convex', ...convexNet({ ...DEFAULT_CONVEX, ...c }) }) },
  star: polarKind('star', 'star-shaped', ['smoothness']),
  radial: polarKind('radial', 'radially convex', ['smoothness']),
  mirror: polarKind('mirror', 'mirror symmetric', ['smoothness', 'axisStarts']),
  rotation: {
    label: 'rotation symmetric',
    settings: ['folds', 'smoothness'],
    resolve: (c) => {
      const folds = c['folds'] ?? 2;
      positiveInt(folds, 'folds', 64);
      if ((folds as number) < 2) throw new ConfigError(`folds must be at least 2 (1 fold is no symmetry), got ${folds}`);
      return { kind: 'rotation', folds: folds as number, ...polarShape(c) };
    },
  },
  periodic: {
    label: 'periodic',
    settings: ['sparsity'],
    resolve: (c) => {
      const harmonics = c['harmonics'] ?? 2;
      const sparsity = c['sparsity'] ?? 1e-3;
      positiveInt(harmonics, 'harmonics', 16);
      nonNegative(sparsity, 'sparsity');
      return { kind: 'periodic', inputDim: inputDimension(c['inputDim'] ?? 2), harmonics: harmonics as number, sparsity: sparsity as number };
    },
  },
  pc: {
    label: 'path-connected',
    settings: ['flowDecay', 'regionWeight'],
    resolve: (c) => {
      const cfg = { ...DEFAULT_PATH_CONNECTED, ...c } as PathConnectedPriorConfig;
      positiveInt(cfg.blocks, 'blocks', 64);
      positiveInt(cfg.couplingWidth, 'couplingWidth', 1024);
      positiveInt(cfg.startSteps, 'startSteps', 100000);
      nonNegative(cfg.flowDecay, 'flowDecay');
      if (!(cfg.flowLearningRate > 0)) throw new ConfigError(`flowLearningRate must be a positive number, got ${JSON.stringify(cfg.flowLearningRate)}`);
      if (typeof cfg.regionWeight !== 'number' || !(cfg.regionWeight >= 0 && cfg.regionWeight <= 1)) throw new ConfigError(`regionWeight must be a number in [0, 1], got ${JSON.stringify(cfg.regionWeight)}`);
      return { kind: 'pc', ...convexNet(cfg), blocks: cfg.blocks, couplingWidth: cfg.couplingWidth, flowDecay: cfg.flowDecay, flowLearningRate: cfg.flowLearningRate, regionWeight: cfg.regionWeight, startSteps: cfg.startSteps };
    },
  },
  union: {
    label: 'union',
    settings: ['member', 'objects'],
    resolve: (c) => {
      const count = c['count'] ?? 2;
      positiveInt(count, 'count', 64);
      const member = resolvePriorConfig((c['member'] ?? 'convex') as PriorConfigInput);
      if (member.kind === 'union') throw new ConfigError('a union cannot have unions as members');
      return { kind: 'union', member, count: count as number };
    },
  },
};

export const PRIOR_KINDS = Object.keys(PRIOR_KIND_INFO) as readonly PriorKind[];

const isPriorKind = (kind: unknown): kind is PriorKind => typeof kind === 'string' && Object.hasOwn(PRIOR_KIND_INFO, kind);

/**
 * Completes a user's partial config with the paper's defaults and checks every field.
 * Accepts a bare kind name ('convex') as shorthand for its defaults.
 */
export function resolvePriorConfig(input: PriorConfigInput): PriorConfig {
  const raw = (typeof input === 'string' ? { kind: input } : input) as unknown;
  return match(raw)
    .with({ kind: P.when(isPriorKind) }, (c) => PRIOR_KIND_INFO[c.kind].resolve(c as Record<string, unknown>))
    .with({ kind: P.string }, (c) => {
      throw new ConfigError(`unknown prior kind ${JSON.stringify(c.kind)}; known kinds: ${PRIOR_KINDS.join(', ')}`);
    })
    .otherwise(() => {
      throw new ConfigError(`a prior config needs a "kind" (one of ${PRIOR_KINDS.join(', ')})`);
    });
}
