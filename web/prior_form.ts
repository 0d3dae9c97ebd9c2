import type { FitSettings } from '../src/cli/fit_settings.js';
import { InputError } from '../src/io/input_error.js';
import { PRIOR_KINDS, type PriorKind } from '../src/priors/prior_config.js';

/**
 * The fit from the form, as the CLI's `fit` flags (FitSettings: --prior, --folds,
 * --sparsity, --flow-decay, --member, --objects, --steps, --sampling, --points, --lr,
 * --seed), so the page and the CLI map options to a prior the same way (priorConfigOf).
 * Only the fields shown for the chosen kind are read. Numbers are checked here; the
 * CLI's checks of the settings run in the worker (they import the fit, i.e. tfjs,
 * which the page itself does not load) before anything is trained.
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

export function readFitSettings(): FitSettings {
  const prior = field('prior-kind').value as PriorKind;
  if (!PRIOR_KINDS.includes(prior)) throw new InputError(`unknown prior kind "${prior}"`);
  const member = prior === 'union' ? field('member').value as PriorKind : undefined;
  // As the CLI allows: --folds with the rotation prior, --sparsity with the periodic one, --flow-decay with pc (also as a union's member).
  const folds = prior === 'rotation'
    ? (field('folds').value.trim() === 'auto' ? 'auto' : numberField('folds', 'folds', { integer: true, min: 2 }))
    : undefined;
  const lr = numberField('learning-rate', 'learning rate', { min: 0, optional: true });
  if (lr === 0) throw new InputError('learning rate: must be positive');
  const points = numberField('points', 'points per step', { integer: true, min: 1, optional: true });
  const settings: FitSettings = {
    prior,
    ...(folds === undefined ? {} : { folds }),
    ...(prior === 'periodic' ? { sparsity: numberField('sparsity', 'sparsity', { min: 0 })! } : {}),
    ...(prior === 'pc' || member === 'pc' ? { flowDecay: numberField('flow-decay', 'flow decay', { min: 0 })! } : {}),
    ...(member === undefined ? {} : { member, objects: numberField('objects', 'objects', { integer: true, min: 1 })! }),
    steps: numberField('steps', 'max steps', { integer: true, min: 1 })!,
    sampling: field('sampling').value === 'pixels' ? 'pixels' : 'cells',
    ...(points === undefined ? {} : { points }),
    ...(lr === undefined ? {} : { lr }),
    seed: numberField('seed', 'seed', { integer: true, min: 0 })!,
  };
  return settings;
}

/** How the kind menus name each kind (a Record, so a new kind cannot be left out). */
const KIND_LABELS: Record<PriorKind, string> = {
  convex: 'convex', star: 'star-shaped', radial: 'radially convex', mirror: 'mirror symmetric',
  rotation: 'rotation symmetric', periodic: 'periodic', pc: 'path-connected', union: 'union',
};

/** Fills the kind menus from the library's PRIOR_KINDS (a union's member can be any kind but union); convex first and chosen. */
export function fillKindMenus(): void {
  const fill = (id: string, kinds: readonly PriorKind[]) => {
    const select = field(id) as HTMLSelectElement;
    for (const kind of kinds) select.add(new Option(KIND_LABELS[kind], kind, kind === 'convex', kind === 'convex'));
  };
  fill('prior-kind', PRIOR_KINDS);
  fill('member', PRIOR_KINDS.filter((k) => k !== 'union'));
}

/** Shows only the option rows that apply to the chosen kind (the flags the CLI accepts with it). */
export function showOptionsFor(kind: string, member: string): void {
  const applies: Record<string, boolean> = {
    folds: kind === 'rotation',
    sparsity: kind === 'periodic',
    'flow-decay': kind === 'pc' || (kind === 'union' && member === 'pc'),
    member: kind === 'union',
    objects: kind === 'union',
  };
  for (const [id, on] of Object.entries(applies)) {
    const row = document.getElementById(`${id}-row`);
    if (row) row.hidden = !on;
  }
}
