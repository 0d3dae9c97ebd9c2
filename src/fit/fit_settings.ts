import { InputError } from '../errors.js';
import { PRIOR_KIND_INFO, PRIOR_KINDS, type KindSetting, type PriorConfigInput, type PriorKind } from '../priors/prior_config.js';

/**
 * Everything that decides a fit, from the `fit` flags or the page's form: plain data, so
 * a batch can send it to its worker threads. One fit, a batch and the page all fit
 * through `fitWithSettings` (fit_with_settings.ts), which is what makes their masks
 * equal for the same seed. This file loads no tfjs: the page reads it in its main thread.
 */
export interface FitSettings {
  prior: PriorKind;
  folds?: number | 'auto';
  sparsity?: number;
  flowDecay?: number;
  /** pc: weight of the map's object region in the map it is fitted to (see PathConnectedPriorConfig.regionWeight). */
  regionWeight?: number;
  member?: PriorKind;
  objects?: number;
  /** Polar kinds (star, radial, mirror, rotation): how smooth the radius along the rays must be (see PolarShapeConfig.smoothness). */
  smoothness?: number;
  /** Mirror: the closed-form fit searches this many of the map's candidate axes and keeps the best (default AXIS_CANDIDATES, see SymmetricPrior). */
  axisStarts?: number;
  steps: number;
  sampling: 'cells' | 'pixels';
  points?: number;
  lr?: number;
  seed: number;
}

/** How one kind-specific setting reaches a user: its flag, the page's field, its range, and its config field. */
export interface KindSettingSpec {
  flag: string;
  /** Id of the page's input (its row is `<field>-row`). */
  field: string;
  label: string;
  /** Who the "does not apply" message names (several flags that go together). */
  mention?: string;
  /** The config field it sets on a prior of a kind that takes it; undefined: not a config field (the union's own). */
  configField?: 'folds' | 'sparsity' | 'smoothness' | 'flowDecay' | 'regionWeight';
  /** It also applies to a union whose members take it (set on each member's config). */
  forUnionMembers: boolean;
  integer: boolean;
  min: number;
  max: number;
}

/**
 * The kind-specific fit settings: one table that the CLI's flags, the checks and
 * priorConfigOf below, and the page's form all read. Which kinds take a setting is
 * the kind's `settings` in PRIOR_KIND_INFO.
 */
export const KIND_SETTINGS: { readonly [S in KindSetting]: KindSettingSpec } = {
  folds: { flag: '--folds', field: 'folds', label: 'folds', configField: 'folds', forUnionMembers: false, integer: true, min: 2, max: 64 },
  sparsity: { flag: '--sparsity', field: 'sparsity', label: 'sparsity', configField: 'sparsity', forUnionMembers: false, integer: false, min: 0, max: 1e6 },
  smoothness: { flag: '--smoothness', field: 'smoothness', label: 'smoothness', configField: 'smoothness', forUnionMembers: false, integer: false, min: 0, max: 1e6 },
  axisStarts: { flag: '--axis-starts', field: 'axis-starts', label: 'axis starts', forUnionMembers: false, integer: true, min: 1, max: 16 },
  flowDecay: { flag: '--flow-decay', field: 'flow-decay', label: 'flow decay', configField: 'flowDecay', forUnionMembers: true, integer: false, min: 0, max: 1e6 },
  // A union fits its members to the map itself (no member's fitData), so not for union members.
  regionWeight: { flag: '--region-weight', field: 'region-weight', label: 'region weight', configField: 'regionWeight', forUnionMembers: false, integer: false, min: 0, max: 1 },
  member: { flag: '--member', field: 'member', label: 'member kind', mention: '--member and --objects', forUnionMembers: false, integer: false, min: 0, max: 0 },
  objects: { flag: '--objects', field: 'objects', label: 'objects', mention: '--member and --objects', configField: undefined, forUnionMembers: false, integer: true, min: 1, max: 64 },
};

/** Whether a setting applies to a prior kind (for a union: also through its member kind, where the setting allows). */
export function settingApplies(setting: KindSetting, prior: PriorKind, member: PriorKind = 'convex'): boolean {
  if (PRIOR_KIND_INFO[prior].settings.includes(setting)) return true;
  return prior === 'union' && KIND_SETTINGS[setting].forUnionMembers && PRIOR_KIND_INFO[member].settings.includes(setting);
}

/** "--prior pc (or --prior union --member pc)": the kinds that take a setting, for messages. */
function kindsTaking(setting: KindSetting): string {
  const kinds = PRIOR_KINDS.filter((k) => PRIOR_KIND_INFO[k].settings.includes(setting));
  const direct = kinds.map((k) => `--prior ${k}`).join(' or ');
  return KIND_SETTINGS[setting].forUnionMembers ? `${direct} (or ${kinds.map((k) => `--prior union --member ${k}`).join(' or ')})` : direct;
}

/** Rejects options that do not apply to the chosen prior, naming the flag. */
export function checkSettings(s: FitSettings): void {
  for (const setting of Object.keys(KIND_SETTINGS) as KindSetting[]) {
    if (s[setting] === undefined || settingApplies(setting, s.prior, s.member)) continue;
    const spec = KIND_SETTINGS[setting];
    throw new InputError(`${spec.mention ?? spec.flag} ${spec.mention ? 'apply' : 'applies'} to ${kindsTaking(setting)} only, not ${s.prior}`);
  }
}

/**
 * The prior's config: the kind with the settings that apply to it (a union's
 * member-wise ones on its member), --member and --objects (union), and inputDim 3 for
 * 3-D data (--frames or --depth). --folds auto sets no folds (fitWithSettings searches).
 */
export function priorConfigOf(s: FitSettings, inputDim: 2 | 3): PriorConfigInput {
  const member = (kind: PriorKind): Record<string, unknown> => {
    const config: Record<string, unknown> = { kind, inputDim };
    for (const setting of PRIOR_KIND_INFO[kind].settings) {
      const field = KIND_SETTINGS[setting].configField;
      const value = s[setting];
      if (field !== undefined && typeof value === 'number') config[field] = value;
    }
    return config;
  };
  if (s.prior === 'union') {
    return { kind: 'union', ...(s.objects === undefined ? {} : { count: s.objects }), member: member(s.member ?? 'convex') } as PriorConfigInput;
  }
  return member(s.prior) as PriorConfigInput;
}
