import { mkdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError, InputError } from '../errors.js';
import { writeMask } from '../io/images.js';
import { evaluateMask } from '../priors/evaluate.js';
import type { ImplicitPrior } from '../priors/implicit_prior.js';
import { priorOf } from '../priors/prior_registry.js';
import { DiskPriorStore } from './disk_prior_store.js';
import { ENTRY_SUFFIX, entryLocation } from './entry_names.js';
import { writeWeights } from './prior_parameters.js';
import type { PriorStore } from './prior_state.js';
import { describeKey, keyClass, keyId, type PriorKey } from './prior_key.js';

export const PSEUDO_LABELS_FORMAT = 'shapeprior-pseudo-labels';
export const PSEUDO_LABELS_VERSION = 1;

export interface ExportMasksOptions {
  /** The masks' size: any resolution (the priors are continuous), e.g. the images' own. */
  height: number;
  width: number;
  /** Only these samples, each with all its classes (default: every id in the store). */
  ids?: readonly string[];
}

/** What `exportPriorMasks` wrote: summary.json's content. */
export interface ExportedMasks {
  format: typeof PSEUDO_LABELS_FORMAT;
  version: typeof PSEUDO_LABELS_VERSION;
  height: number;
  width: number;
  /** One per stored prior: per sample id, or per (id, class) in a store of class priors (`class` then set). */
  masks: Array<{ id: string; class?: number; file: string; kind: string; step: number; foregroundPixels: number }>;
}

/**
 * A prior's mask file name: the store's own entry name for the id and class (made of
 * `a-z 0-9 _ - % ~ .` only, never "..", distinct for distinct keys even on
 * case-insensitive filesystems; long ids hashed), with `.png`: `img-1.png` for a
 * single-class prior, `img-1.c2.png` for class 2's.
 */
export function maskFileName(id: string, cls?: number): string {
  return entryLocation(id, cls).name.slice(0, -ENTRY_SUFFIX.length) + '.png';
}

/**
 * Writes every stored prior's mask as an 8-bit PNG (255 = foreground) of the given size
 * into `outDir` (created if missing), and `summary.json` (id -> file, kind, steps, foreground pixels):
 * pseudo-labels for the next round of training. Each file is written atomically; a
 * 3-D prior (video, depth) has no single mask and is an error naming the sample.
 */
export async function exportPriorMasks(store: PriorStore, outDir: string, options: ExportMasksOptions): Promise<ExportedMasks> {
  const { height, width } = options;
  for (const [name, v] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 16384) throw new ConfigError(`exportMasks: ${name} must be an integer in [1, 16384], got ${v}`);
  }
  const all = await store.keys();
  const wanted = options.ids ? new Set(options.ids) : null;
  const keys = all.filter((k) => !wanted || wanted.has(keyId(k))).sort(compareKeys);
  // Every requested id is checked before anything is written: a typo leaves no half-written directory.
  const present = new Set(keys.map(keyId));
  for (const id of options.ids ?? []) if (!present.has(id)) throw new InputError(`exportMasks: no prior stored for sample ${JSON.stringify(id)}`);
  await mkdir(outDir, { recursive: true });
  const summary: ExportedMasks = { format: PSEUDO_LABELS_FORMAT, version: PSEUDO_LABELS_VERSION, height, width, masks: [] };
  // One working prior per distinct config: every sample's weights are written into it in turn.
  const working = new Map<string, ImplicitPrior>();
  try {
    for (const key of keys) {
      const id = keyId(key);
      const cls = keyClass(key);
      const state = await store.load(key);
      if (!state) throw new InputError(`exportMasks: no prior stored for ${describeKey(key)}`);
      const dim = state.config.kind === 'union' ? state.config.member.inputDim : state.config.inputDim;
      if (dim !== 2) throw new InputError(`exportMasks: the prior of ${describeKey(key)} is 3-D (${state.config.kind}, inputDim 3): it has a mask per time or depth, not one`);
      const configKey = JSON.stringify(state.config);
      let prior = working.get(configKey);
      if (!prior) {
        prior = priorOf(state.config);
        working.set(configKey, prior);
      }
      writeWeights(prior, state.weights, `prior of ${describeKey(key)}`);
      const mask = evaluateMask(prior, height, width);
      const file = maskFileName(id, cls);
      await writeMask(path.join(outDir, file), mask, width, height);
      summary.masks.push({ id, ...(cls === undefined ? {} : { class: cls }), file, kind: state.config.kind, step: state.step, foregroundPixels: mask.reduce((a, v) => a + v, 0) });
    }
  } finally {
    for (const prior of working.values()) prior.dispose();
  }
  const summaryFile = path.join(outDir, 'summary.json');
  const temporary = `${summaryFile}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(summary, null, 2)}\n`);
  await rename(temporary, summaryFile);
  return summary;
}

/** exportPriorMasks for a DiskPriorStore directory, opened read-only (a training run may still be writing it). */
export async function exportStoreMasks(storeDir: string, outDir: string, options: ExportMasksOptions): Promise<ExportedMasks> {
  const store = await DiskPriorStore.open(storeDir, { readOnly: true });
  return exportPriorMasks(store, outDir, options);
}

/** By id, then single-class entry before classes in increasing order: a stable summary. */
function compareKeys(a: PriorKey, b: PriorKey): number {
  const [ia, ib] = [keyId(a), keyId(b)];
  if (ia !== ib) return ia < ib ? -1 : 1;
  return (keyClass(a) ?? -1) - (keyClass(b) ?? -1);
}
