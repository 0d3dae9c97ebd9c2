import { InputError } from '../src/errors.js';
import { checkSettings, KIND_SETTINGS, priorConfigOf, settingApplies, type FitSettings } from '../src/fit/fit_settings.js';
import { PRIOR_KIND_INFO, PRIOR_KINDS, resolvePriorConfig, type KindSetting, type PriorKind } from '../src/priors/prior_config.js';

/**
 * The fit from the form, as the CLI's `fit` flags (FitSettings), read through the
 * library's tables: the kinds and their labels (PRIOR_KIND_INFO), which settings apply
 * to which kind and their ranges (KIND_SETTINGS), then the CLI's own checks. None of
 * these load tfjs, so the page checks in its main thread before the worker trains.
 */
const field = (id: string) => document.getElementById(id) as HTMLInputElement | HTMLSelectElement;

function numberField(id: string, label: string, { integer = false, min = -Infinity, optional = false } = {}): number | undefined {
  const text = field(id).value.trim();
  if (text === '' && optional) return undefined;
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    throw new InputError(`${label}: expected ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got "${text}"`);
  }
  return value;
}

/** One kind-specific setting's value from its field (folds may be "auto"; the member is a kind). */
function settingValue(setting: KindSetting): FitSettings[KindSetting] {
  const spec = KIND_SETTINGS[setting];
  if (setting === 'member') return field(spec.field).value as PriorKind;
  if (setting === 'folds' && field(spec.field).value.trim() === 'auto') return 'auto';
  return numberField(spec.field, spec.label, { integer: spec.integer, min: spec.min });
}

export function readFitSettings(): FitSettings {
  const prior = field('prior-kind').value as PriorKind;
  if (!PRIOR_KINDS.includes(prior)) throw new InputError(`unknown prior kind "${prior}"`);
  const member = prior === 'union' ? (field(KIND_SETTINGS.member.field).value as PriorKind) : undefined;
  const lr = numberField('learning-rate', 'learning rate', { min: 0, optional: true });
  if (lr === 0) throw new InputError('learning rate: must be positive');
  const points = numberField('points', 'points per step', { integer: true, min: 1, optional: true });
  const kindSettings: Partial<FitSettings> = {};
  for (const setting of Object.keys(KIND_SETTINGS) as KindSetting[]) {
    if (settingApplies(setting, prior, member)) Object.assign(kindSettings, { [setting]: settingValue(setting) });
  }
  const settings: FitSettings = {
    prior,
    ...kindSettings,
    steps: numberField('steps', 'max steps', { integer: true, min: 1 })!,
    sampling: field('sampling').value === 'pixels' ? 'pixels' : 'cells',
    ...(points === undefined ? {} : { points }),
    ...(lr === undefined ? {} : { lr }),
    seed: numberField('seed', 'seed', { integer: true, min: 0 })!,
  };
  checkSettings(settings);
  resolvePriorConfig(priorConfigOf(settings, 2));
  return settings;
}

/** Fills the kind menus from the registry (a union's member can be any kind but union); convex first and chosen. */
export function fillKindMenus(): void {
  const fill = (id: string, kinds: readonly PriorKind[]) => {
    const select = field(id) as HTMLSelectElement;
    for (const kind of kinds) select.add(new Option(PRIOR_KIND_INFO[kind].label, kind, kind === 'convex', kind === 'convex'));
  };
  fill('prior-kind', PRIOR_KINDS);
  fill('member', PRIOR_KINDS.filter((k) => k !== 'union'));
}

/** Shows only the option rows that apply to the chosen kind (the flags the CLI accepts with it). */
export function showOptionsFor(kind: string, member: string): void {
  if (!PRIOR_KINDS.includes(kind as PriorKind)) return;
  for (const setting of Object.keys(KIND_SETTINGS) as KindSetting[]) {
    const row = document.getElementById(`${KIND_SETTINGS[setting].field}-row`);
    if (row) row.hidden = !settingApplies(setting, kind as PriorKind, (member || 'convex') as PriorKind);
  }
}
