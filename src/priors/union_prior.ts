import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { foregroundComponents } from '../analysis/components.js';
import { probabilityMap, type ProbabilityMap } from '../probability_map.js';
import { isSliceStack, type LikelihoodData } from '../slice_stack.js';
import { evaluateScores, sampleFramePoints } from './evaluate.js';
import { startForTraining, type Certificate, type CertifyOptions, type ImplicitPrior, type TrainingStage } from './implicit_prior.js';
import { NetworkPrior, type PriorOptions } from './network_prior.js';
import { memberGraph, priorOf } from './prior_registry.js';
import type { UnionPriorConfig } from './prior_config.js';
import { InputError } from '../errors.js';
import { certificate, certifySamples } from './certificate.js';

const memberPrefix = (i: number) => `m${i}_`;

/** count member nets on one input, their layers prefixed m0_, m1_, ..., joined by a minimum. */
export function buildUnionNet(config: UnionPriorConfig, seed?: number): tf.LayersModel {
  const coords = tf.input({ shape: [config.member.inputDim], name: 'coords' });
  const outs = Array.from({ length: config.count }, (_, i) => memberGraph(coords, config.member, seed === undefined ? undefined : seed + 7919 * i, memberPrefix(i)));
  const out = outs.length === 1 ? outs[0]! : (tf.layers.minimum({ name: 'union' }).apply(outs) as tf.SymbolicTensor);
  return tf.model({ inputs: coords, outputs: out, name: 'union_prior' });
}

/** Relative tolerance on |F - min_i F_i| (the same float operations, so near exact). */
const UNION_TOLERANCE = 1e-6;

/**
 * The union of priors (section 2.5): F = min_i F_i, so {F <= 0} is the union of the
 * members' sets, each of which keeps its own guarantee. Fitted jointly by eq. 9: at
 * each point only the member with the lowest score receives gradient.
 */
export class UnionPrior extends NetworkPrior<UnionPriorConfig> {
  /** The members, each a prior over its own part of this model (their weights are this model's). */
  readonly members: ImplicitPrior[];

  constructor(config: UnionPriorConfig, options: PriorOptions = {}) {
    super(config, options, (seed) => buildUnionNet(config, seed));
    this.members = Array.from({ length: config.count }, (_, i) => {
      const output = this.model.getLayer(`${memberPrefix(i)}saturation`).output as tf.SymbolicTensor;
      return priorOf(config.member, { model: tf.model({ inputs: this.model.inputs, outputs: output }), prefix: memberPrefix(i) });
    });
  }

  /**
   * Member i starts on the i-th largest foreground region of the map (the map with
   * every other pixel set to 0), so N objects get N members. With fewer regions than
   * members, the rest start on the whole map. For a stack, the regions are those of
   * the slices' mean map (an object that moves stays one region while its positions
   * overlap), and each slice is restricted to them.
   */
  initializeFromData(data: LikelihoodData, seed = 0): void {
    const slices = isSliceStack(data) ? data.slices.map((s) => s.map) : [data];
    const mean = new Float32Array(data.height * data.width);
    for (const m of slices) for (let p = 0; p < mean.length; p++) mean[p]! += m.data[p]! / slices.length;
    this.initializeFromRegions(data, foregroundComponents(probabilityMap(data.height, data.width, mean)), seed);
  }

  /**
   * Member i starts on region i of the image (pixel indices, or a 0/1 mask per pixel):
   * the data restricted to it (every slice of a stack). Use it to seed members from
   * prompts (a box or circle per object) where objects touch and the map's own
   * regions merge them. Members without a region start on the whole data.
   */
  initializeFromRegions(data: LikelihoodData, regions: ReadonlyArray<Int32Array | Uint8Array>, seed = 0): void {
    const pixels = data.height * data.width;
    const restrict = (m: ProbabilityMap, region: Int32Array | Uint8Array) => {
      if (region instanceof Uint8Array && region.length !== pixels) throw new InputError(`region mask has ${region.length} values for ${pixels} pixels`);
      const only = new Float32Array(m.data.length);
      if (region instanceof Uint8Array) region.forEach((v, p) => (only[p] = v ? m.data[p]! : 0));
      else for (const p of region) only[p] = m.data[p]!;
      return probabilityMap(m.height, m.width, only);
    };
    // The union is fitted by gradient steps (its members share the pixels out between
    // them), so each member takes its start for training where it has one (a convex
    // member: the moment ellipse, not the hull it would be fitted by on its own).
    this.members.forEach((member, i) => {
      const region = regions[i];
      if (!region) {
        startForTraining(member, data, seed + i);
        return;
      }
      const part: LikelihoodData = isSliceStack(data)
        ? { height: data.height, width: data.width, slices: data.slices.map((s) => ({ map: restrict(s.map, region), third: s.third })) }
        : restrict(data, region);
      startForTraining(member, part, seed + i);
    });
  }

  /** Stages of members that have them (path-connected members): stage k trains every member's stage-k weights. */
  trainingStages(): TrainingStage[] {
    const perMember = this.members.map((m) => m.trainingStages?.());
    const first = perMember[0];
    if (!first) return [{ name: 'fit', variables: this.model.trainableWeights.map((w) => w.read() as tf.Variable), optimizer: 'adam', share: 1 }];
    return first.map((stage, k) => {
      const all = perMember.map((stages) => stages![k]!);
      const decayed = all.flatMap((st) => st.decay?.variables ?? []);
      return { ...stage, variables: all.flatMap((st) => st.variables), ...(stage.decay ? { decay: { variables: decayed, weight: stage.decay.weight } } : {}) };
    });
  }

  /** Every member's certificate, and F = min_i F_i at sampled points. */
  certify(options: CertifyOptions = {}): Certificate {
    const memberCerts = this.members.map((m) => m.certify(options));
    const samples = certifySamples(options);
    const dim = this.config.member.inputDim;
    const pts = sampleFramePoints(samples, dim, options, seedrandom(`union-${options.seed ?? 0}`));
    const union = evaluateScores(this, pts, dim);
    const scores = this.members.map((m) => evaluateScores(m, pts, dim));
    let violations = memberCerts.reduce((a, c) => a + c.violations, 0);
    for (let i = 0; i < samples; i++) {
      const lowest = Math.min(...scores.map((s) => s[i]!));
      if (Math.abs(union[i]! - lowest) > UNION_TOLERANCE * (1 + Math.abs(lowest))) violations++;
    }
    // An empty member keeps the guarantee (the union of fewer sets) but usually means a failed fit: say so.
    const empty = memberCerts.filter((c) => c.checked === 0).length;
    const property = `union of ${this.config.count} ${this.config.member.kind} priors: F = min of the members, each certified (${memberCerts[0]!.property})${empty ? `; ${empty} member(s) empty in the checked range` : ''}`;
    return certificate(property, samples + memberCerts.reduce((a, c) => a + c.checked, 0), violations);
  }

  /** The union's model owns every weight; the members' sub-models only view it. */
  override dispose(): void {
    this.model.dispose();
  }
}
