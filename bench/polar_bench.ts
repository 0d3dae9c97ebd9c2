/**
 * `npm run bench -- --polar [--half tuning|heldout|both] [--kinds star,radial,mirror,rotation]
 *  [--maps N] [--only NAME,...] [--smoothness X] [--axis-starts N] [--png DIR] [--json]`
 *
 * The polar kinds on generated maps of their own class (bench/polar_maps.ts; N maps per
 * family, default 16: 8 tuning, 8 held-out, each shape in both halves, 128 and 256 px): per map the
 * IoU with the true shape of the prior's mask (fitted exactly as `shapeprior fit` does,
 * rotation with the true `--folds K`), of thresholding at 0.5 and of the geometric
 * post-processing baseline (bench/geometric_baseline.ts); the mask's perimeter over
 * the true shape's; seconds per fit; the certificate. Per kind and half: the means,
 * the smallest margin over thresholding, the largest perimeter ratio.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { FitSettings } from '../src/fit/fit_settings.js';
import { fitWithSettings } from '../src/fit/fit_with_settings.js';
import { writeMask } from '../src/io/images.js';
import { iou } from '../src/metrics.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import { thresholdMap } from '../src/probability_map.js';
import type { BenchFlags } from './bench_flags.js';
import { geometricBaseline, maskPerimeter, type BaselineKind } from './geometric_baseline.js';
import { polarMaps, type BenchHalf, type PolarFamily, type PolarMap } from './polar_maps.js';

export interface PolarMapResult {
  kind: BaselineKind;
  map: string;
  half: BenchHalf;
  size: number;
  iou: number;
  thresholdIou: number;
  geometricIou: number;
  perimeterRatio: number;
  seconds: number;
  steps: number;
  certified: boolean;
}

export interface PolarSummary {
  kind: BaselineKind;
  half: BenchHalf;
  maps: number;
  iou: number;
  thresholdIou: number;
  geometricIou: number;
  minMarginOverThreshold: number;
  maxPerimeterRatio: number;
  secondsPer256: number | null;
  secondsPer128: number | null;
  certified: boolean;
}

const FAMILY_OF: Record<BaselineKind, PolarFamily> = { star: 'star', radial: 'star', mirror: 'mirror', rotation: 'rotation' };

/** The kinds the benchmark fits (`--kinds`, checked by bench_flags.ts), in table order. */
export const POLAR_BENCH_KINDS = Object.keys(FAMILY_OF) as BaselineKind[];

export interface PolarBenchOptions {
  kinds: BaselineKind[];
  halves: BenchHalf[];
  mapsPerFamily: number;
  pngDir?: string;
  log: (line: string) => void;
  /** Settings added to every fit (e.g. a smoothness or axis-start option being tuned). */
  extra?: Partial<FitSettings>;
  /** Only the maps whose name contains one of these (`--only a,b`): to look again at a few maps. */
  only?: string[];
}

export async function runPolarBench(o: PolarBenchOptions): Promise<{ maps: PolarMapResult[]; summary: PolarSummary[] }> {
  const families = [...new Set(o.kinds.map((k) => FAMILY_OF[k]))];
  const maps = polarMaps(families, o.mapsPerFamily).filter((m) => o.halves.includes(m.half) && (!o.only || o.only.some((n) => m.name.includes(n))));
  if (maps.length === 0) throw new RangeError(`no benchmark map matches --only ${o.only?.join(',')} in the ${o.halves.join(' and ')} half (names look like star-15-leaf-256px)`);
  const results: PolarMapResult[] = [];
  for (const kind of o.kinds) {
    for (const map of maps.filter((m) => m.family === FAMILY_OF[kind])) {
      const r = await benchOne(kind, map, o);
      results.push(r);
      o.log(`${kind.padEnd(8)} ${map.name.padEnd(34)} IoU ${r.iou.toFixed(3)}  thr ${r.thresholdIou.toFixed(3)}  geo ${r.geometricIou.toFixed(3)}  perim x${r.perimeterRatio.toFixed(2)}  ${r.seconds.toFixed(1)} s${r.certified ? '' : '  CERTIFICATE FAILED'}`);
    }
  }
  return { maps: results, summary: summarise(results) };
}

async function benchOne(kind: BaselineKind, map: PolarMap, o: PolarBenchOptions): Promise<PolarMapResult> {
  const settings: FitSettings = { prior: kind, steps: 1000, sampling: 'cells', seed: 0, ...(kind === 'rotation' ? { folds: map.folds } : {}), ...o.extra };
  const t0 = performance.now();
  const fit = await fitWithSettings(settings, map.unaries, 2);
  const mask = evaluateMask(fit.prior, map.size, map.size);
  const seconds = (performance.now() - t0) / 1000;
  fit.prior.dispose();
  const geometric = geometricBaseline(map.unaries, kind, map.folds);
  if (o.pngDir) {
    mkdirSync(o.pngDir, { recursive: true });
    const file = (what: string) => path.join(o.pngDir!, `${kind}-${map.name}-${what}.png`);
    await writeMask(file('prior'), mask, map.size, map.size);
    await writeMask(file('geometric'), geometric, map.size, map.size);
    await writeMask(file('truth'), map.truth, map.size, map.size);
    const grey = Uint8Array.from(map.unaries.data, (v) => (v >= 0.5 ? 1 : 0));
    await writeMask(file('threshold'), grey, map.size, map.size);
  }
  return {
    kind, map: map.name, half: map.half, size: map.size,
    iou: iou(mask, map.truth), thresholdIou: iou(thresholdMap(map.unaries), map.truth), geometricIou: iou(geometric, map.truth),
    perimeterRatio: maskPerimeter(mask, map.size, map.size) / maskPerimeter(map.truth, map.size, map.size),
    seconds, steps: fit.steps, certified: fit.certificate.passed,
  };
}

function summarise(results: PolarMapResult[]): PolarSummary[] {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const out: PolarSummary[] = [];
  for (const kind of [...new Set(results.map((r) => r.kind))]) {
    for (const half of ['tuning', 'heldout'] as const) {
      const rs = results.filter((r) => r.kind === kind && r.half === half);
      if (rs.length === 0) continue;
      const at = (size: number) => rs.filter((r) => r.size === size).map((r) => r.seconds);
      out.push({
        kind, half, maps: rs.length,
        iou: mean(rs.map((r) => r.iou)), thresholdIou: mean(rs.map((r) => r.thresholdIou)), geometricIou: mean(rs.map((r) => r.geometricIou)),
        minMarginOverThreshold: Math.min(...rs.map((r) => r.iou - r.thresholdIou)),
        maxPerimeterRatio: Math.max(...rs.map((r) => r.perimeterRatio)),
        secondsPer256: at(256).length ? mean(at(256)) : null, secondsPer128: at(128).length ? mean(at(128)) : null,
        certified: rs.every((r) => r.certified),
      });
    }
  }
  return out;
}

export function printPolarSummary(summary: PolarSummary[]): void {
  const f = (x: number | null, d = 3) => (x === null ? '-' : x.toFixed(d));
  console.log('| kind | half | maps | shapeprior IoU | thresholding | geometric | min margin over thresholding | max perimeter ratio | s / 128 px map | s / 256 px map | certificates |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of summary) {
    console.log(`| ${s.kind} | ${s.half} | ${s.maps} | ${f(s.iou)} | ${f(s.thresholdIou)} | ${f(s.geometricIou)} | ${f(s.minMarginOverThreshold)} | ${f(s.maxPerimeterRatio, 2)} | ${f(s.secondsPer128, 1)} | ${f(s.secondsPer256, 1)} | ${s.certified ? 'all passed' : 'FAILED'} |`);
  }
}

/** The `--polar` flags of `npm run bench` (parsed and checked by bench_flags.ts). */
export function polarBenchOptions(flags: BenchFlags, log: (line: string) => void): PolarBenchOptions {
  return {
    kinds: flags.kinds ?? POLAR_BENCH_KINDS, halves: flags.half === 'both' ? ['tuning', 'heldout'] : [flags.half], mapsPerFamily: flags.maps ?? 16, log,
    ...(flags.png ? { pngDir: flags.png } : {}), ...(flags.only ? { only: flags.only } : {}),
    extra: {
      ...(flags.smoothness !== undefined ? { smoothness: flags.smoothness } : {}),
      ...(flags.axisStarts !== undefined ? { axisStarts: flags.axisStarts } : {}),
    },
  };
}
