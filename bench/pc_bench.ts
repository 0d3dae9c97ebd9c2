/**
 * `npm run bench -- --pc [--half tuning|heldout|both] [--maps N] [--only NAME,...]
 *  [--png DIR] [--reference [--reference-dir DIR] [--reference-results DIR]] [--json]`
 *
 * The path-connected prior on generated maps of non-convex, path-connected objects
 * (bench/pc_maps.ts; N maps, default 14: 7 tuning, 7 held-out, 128 and 256 px): per map
 * the IoU with the true shape of `shapeprior fit --prior pc`'s mask (fitted exactly as
 * the CLI does), of thresholding at 0.5 and, with --reference, of the authors' code with
 * the paper's recipe (`fit_reference.py fit --prior pc`, see ../shared/reference) on the
 * same map in the same run; seconds of each; the certificate. The authors' fit takes
 * 12 minutes or more per 128 px map on two cores, so `--reference-results DIR` keeps its
 * masks (DIR/<map>/ref.png and ref.json) and a later run reuses them; `--reference-results
 * DIR` without `--reference` compares the kept masks only and fits none.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fitWithSettings } from '../src/fit/fit_with_settings.js';
import sharp from 'sharp';
import { readUnaries, writeMask } from '../src/io/images.js';
import { iou } from '../src/metrics.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import { thresholdMap } from '../src/probability_map.js';
import type { BenchFlags } from './bench_flags.js';
import { pcMaps, type PcMap } from './pc_maps.js';
import type { BenchHalf } from './polar_maps.js';

export interface PcMapResult {
  map: string;
  half: BenchHalf;
  size: number;
  iou: number;
  thresholdIou: number;
  seconds: number;
  steps: number;
  certified: boolean;
  reference?: { iou: number; seconds: number };
}

export interface PcBenchOptions {
  halves: BenchHalf[];
  maps: number;
  only?: string[];
  pngDir?: string;
  /** The folder of fit_reference.py; undefined: no reference fits. */
  referenceDir?: string;
  /**
   * Where the reference's masks are kept between runs (with referenceDir, default: a
   * folder under the system's temporary directory). Without referenceDir: the kept
   * results are read and no reference fit is run.
   */
  referenceResults?: string;
  log: (line: string) => void;
}

export async function runPcBench(o: PcBenchOptions): Promise<{ maps: PcMapResult[]; summary: PcSummary[] }> {
  const maps = pcMaps(o.maps).filter((m) => o.halves.includes(m.half) && (!o.only || o.only.some((n) => m.name.includes(n))));
  if (maps.length === 0) throw new RangeError(`no benchmark map matches --only ${o.only?.join(',')} in the ${o.halves.join(' and ')} half (names look like pc-3-u-256px)`);
  const results: PcMapResult[] = [];
  for (const map of maps) {
    const r = await benchOne(map, o);
    results.push(r);
    const ref = r.reference ? `  reference ${r.reference.iou.toFixed(3)} (${r.reference.seconds.toFixed(0)} s)` : '';
    o.log(`${map.name.padEnd(24)} ${map.half.padEnd(7)} IoU ${r.iou.toFixed(3)}  thr ${r.thresholdIou.toFixed(3)}${ref}  ${r.seconds.toFixed(1)} s ${r.steps} steps${r.certified ? '' : '  CERTIFICATE FAILED'}`);
  }
  return { maps: results, summary: summarise(results) };
}

async function benchOne(map: PcMap, o: PcBenchOptions): Promise<PcMapResult> {
  const t0 = performance.now();
  const fit = await fitWithSettings({ prior: 'pc', steps: 1000, sampling: 'cells', seed: 0 }, map.unaries, 2);
  const mask = evaluateMask(fit.prior, map.size, map.size);
  const seconds = (performance.now() - t0) / 1000;
  fit.prior.dispose();
  if (o.pngDir) {
    mkdirSync(o.pngDir, { recursive: true });
    await writeMask(path.join(o.pngDir, `${map.name}-prior.png`), mask, map.size, map.size);
    await writeMask(path.join(o.pngDir, `${map.name}-truth.png`), map.truth, map.size, map.size);
  }
  const reference = o.referenceResults ? await referenceFit(map, o.referenceDir, o.referenceResults) : undefined;
  return {
    map: map.name, half: map.half, size: map.size,
    iou: iou(mask, map.truth), thresholdIou: iou(thresholdMap(map.unaries), map.truth),
    seconds, steps: fit.steps, certified: fit.certificate.passed,
    ...(reference ? { reference } : {}),
  };
}

/**
 * The authors' paper recipe on the map (or its kept result): IoU of its mask with the
 * truth, and its seconds. Without a referenceDir only kept results are read (undefined
 * for a map without one).
 */
async function referenceFit(map: PcMap, referenceDir: string | undefined, resultsDir: string): Promise<{ iou: number; seconds: number } | undefined> {
  const dir = path.join(resultsDir, map.name);
  const maskFile = path.join(dir, 'ref.png');
  const jsonFile = path.join(dir, 'ref.json');
  if (!existsSync(maskFile) || !existsSync(jsonFile)) {
    if (!referenceDir) return undefined;
    mkdirSync(dir, { recursive: true });
    const unaries = path.join(dir, 'unaries.png');
    await sharp(Buffer.from(Uint8Array.from(map.unaries.data, (v) => Math.round(255 * v))), { raw: { width: map.size, height: map.size, channels: 1 } }).png().toFile(unaries);
    const t0 = performance.now();
    const out = execFileSync('/usr/bin/python3', [path.join(referenceDir, 'fit_reference.py'), 'fit', '--prior', 'pc', '--unaries', unaries, '--out', maskFile, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const seconds = (performance.now() - t0) / 1000;
    writeFileSync(jsonFile, JSON.stringify({ ...JSON.parse(out.trim().split('\n').pop()!), wallSeconds: seconds }));
  }
  const kept = JSON.parse(readFileSync(jsonFile, 'utf8')) as { wallSeconds?: number; seconds?: number };
  const mask = thresholdMap(await readUnaries(maskFile));
  return { iou: iou(mask, map.truth), seconds: kept.wallSeconds ?? kept.seconds ?? NaN };
}

export interface PcSummary {
  half: BenchHalf;
  maps: number;
  iou: number;
  thresholdIou: number;
  minMarginOverThreshold: number;
  /** Over the maps with a reference fit: their count, shapeprior's and the reference's mean IoU and seconds. */
  reference: { maps: number; iou: number; referenceIou: number; seconds: number; referenceSeconds: number } | null;
  secondsPer128: number | null;
  secondsPer256: number | null;
  certified: boolean;
}

function summarise(results: PcMapResult[]): PcSummary[] {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const out: PcSummary[] = [];
  for (const half of ['tuning', 'heldout'] as const) {
    const rs = results.filter((r) => r.half === half);
    if (rs.length === 0) continue;
    const withRef = rs.filter((r) => r.reference);
    const at = (size: number) => rs.filter((r) => r.size === size).map((r) => r.seconds);
    out.push({
      half, maps: rs.length, iou: mean(rs.map((r) => r.iou)), thresholdIou: mean(rs.map((r) => r.thresholdIou)),
      minMarginOverThreshold: Math.min(...rs.map((r) => r.iou - r.thresholdIou)),
      reference: withRef.length === 0 ? null : {
        maps: withRef.length, iou: mean(withRef.map((r) => r.iou)), referenceIou: mean(withRef.map((r) => r.reference!.iou)),
        seconds: mean(withRef.map((r) => r.seconds)), referenceSeconds: mean(withRef.map((r) => r.reference!.seconds)),
      },
      secondsPer128: at(128).length ? mean(at(128)) : null, secondsPer256: at(256).length ? mean(at(256)) : null,
      certified: rs.every((r) => r.certified),
    });
  }
  return out;
}

export function printPcSummary(summary: PcSummary[]): void {
  const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined ? '-' : x.toFixed(d));
  console.log('| half | maps | shapeprior IoU | thresholding | min margin over thresholding | maps with reference: shapeprior / reference IoU | s / 128 px | s / 256 px | reference s | certificates |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of summary) {
    const ref = s.reference ? `${s.reference.maps}: ${f(s.reference.iou)} / ${f(s.reference.referenceIou)}` : '-';
    console.log(`| ${s.half} | ${s.maps} | ${f(s.iou)} | ${f(s.thresholdIou)} | ${f(s.minMarginOverThreshold)} | ${ref} | ${f(s.secondsPer128, 1)} | ${f(s.secondsPer256, 1)} | ${f(s.reference?.referenceSeconds, 0)} | ${s.certified ? 'all passed' : 'FAILED'} |`);
  }
}

/** The `--pc` flags of `npm run bench` (parsed by bench_flags.ts), checked. */
export function pcBenchOptions(flags: BenchFlags, root: string, tmp: string, log: (line: string) => void): PcBenchOptions {
  let referenceDir: string | undefined;
  if (flags.reference) {
    referenceDir = path.resolve(flags.referenceDir ?? path.join(root, '..', 'shared', 'reference'));
    if (!existsSync(path.join(referenceDir, 'fit_reference.py'))) throw new RangeError(`--reference: no fit_reference.py in ${referenceDir} (give its folder with --reference-dir)`);
  }
  return {
    halves: flags.half === 'both' ? ['tuning', 'heldout'] : [flags.half], maps: flags.maps ?? 14, log,
    ...(flags.png ? { pngDir: flags.png } : {}), ...(flags.only ? { only: flags.only } : {}),
    ...(referenceDir ? { referenceDir, referenceResults: path.resolve(flags.referenceResults ?? path.join(tmp, 'shapeprior-pc-reference')) } : {}),
    // --reference-results alone: the masks a slow reference run kept (perhaps in another process) are compared, no new one is fitted.
    ...(!referenceDir && flags.referenceResults ? { referenceResults: path.resolve(flags.referenceResults) } : {}),
  };
}
