/**
 * The paper's Table 1 (scribble setting, convex prior) on generated scenes: for each
 * scene, a CNN and an FCN on RGB + xy trained from scribbles, sequentially (eq. 15: the
 * net alone, then the prior fitted to its output) and jointly (eq. 12), over seeds;
 * the IoU with the truth of the net and of the prior, in the paper's layout (mean ±
 * standard deviation over scenes and seeds), per half of the scenes: even scenes are
 * the tuning half, odd ones are held out. Then, per scene, joint minus sequential.
 *
 *   node dist/examples/table1.js [--scenes 14] [--first 0] [--seeds 3] [--steps 300] [--size 40] [--half tuning|heldout] [--json]
 *
 * `--first K` starts at scene K (scenes K .. K + scenes - 1): scenes 14-27 are a fresh set
 * for a check on scenes nobody has looked at.
 *
 * Scene k varies (scribbleScene's options) the shape and colours (seed k), the
 * occluder (a bar, a disc on the edge, none), the distractors of the object's colour
 * (0-3) and how much of the background ring is stroked (every side, or 1-3 quarters:
 * where no stroke holds them, net and prior may grow together).
 */
import { Command, Option } from 'commander';
import { integerIn } from '../src/cli/parse_flags.js';
import { initBackend, scribbleScene, type ScribbleSceneOptions } from '../src/index.js';
import { iou, runScribbles, SCRIBBLE_CONVEX, table1SceneOptions, type NetKind } from './scribble_setting.js';

const flags = new Command('table1')
  .description("the paper's Table 1 on generated scribbled scenes: CNN and FCN, sequential and joint")
  .option('--scenes <n>', 'how many scenes', integerIn(1, 1000), 14)
  .option('--first <k>', 'the first scene (14: the fresh scenes 14-27)', integerIn(0, 1e6), 0)
  .option('--seeds <n>', 'seeds per scene, net and mode', integerIn(1, 100), 3)
  .option('--steps <n>', 'training steps (the first third with alpha = 0)', integerIn(3, 1e6), 300)
  .option('--size <px>', 'side of the square scenes', integerIn(16, 1024), 40)
  .addOption(new Option('--half <half>', 'which half of the scenes').choices(['tuning', 'heldout', 'both']).default('both'))
  .option('--json', 'print one JSON object instead of the tables')
  .parse()
  .opts<{ scenes: number; first: number; seeds: number; steps: number; size: number; half: string; json?: boolean }>();
const { scenes: sceneCount, first, seeds, steps, size, half } = flags;
const json = flags.json === true;

interface Cell { net: number; prior: number }
const modes = ['sequential', 'joint'] as const;
const nets: NetKind[] = ['cnn', 'fcn'];
const backend = await initBackend();
if (!json) console.log(`backend: ${backend.description}; ${sceneCount} scenes of ${size}x${size}, ${steps} steps (alpha = 0 and Adam 0.02 for the first ${Math.round(steps / 3)}, then 0.002), seeds ${seeds}`);

// Per scene: runs['<net>/<mode>'] = the IoUs of each seed.
const results: Array<{ scene: number; options: ScribbleSceneOptions; runs: Record<string, Cell[]> }> = [];
for (let k = first; k < first + sceneCount; k++) {
  const inHalf = k % 2 === 0 ? 'tuning' : 'heldout';
  if (half !== 'both' && half !== inHalf) continue;
  const options = table1SceneOptions(k, size);
  const scene = scribbleScene(options);
  const runs: Record<string, Cell[]> = {};
  for (const net of nets) {
    for (const mode of modes) {
      const cells: Cell[] = [];
      for (let seed = 0; seed < seeds; seed++) {
        const run = await runScribbles(mode, net, SCRIBBLE_CONVEX, scene, { steps, warmup: Math.round(steps / 3), seed });
        cells.push({ net: iou(run.netMask, scene.truth), prior: iou(run.priorMask, scene.truth) });
      }
      runs[`${net}/${mode}`] = cells;
    }
  }
  results.push({ scene: k, options, runs });
  if (!json) {
    const m = (key: string, f: keyof Cell) => mean(runs[key]!.map((c) => c[f])).toFixed(3);
    console.log(`scene ${k} (${inHalf}; occluder ${options.occluder}, ${options.distractors} distractors, ${options.backgroundSides}/4 sides stroked): ` +
      nets.map((n) => `${n.toUpperCase()} net ${m(`${n}/sequential`, 'net')} -> ${m(`${n}/joint`, 'net')}, prior ${m(`${n}/sequential`, 'prior')} -> ${m(`${n}/joint`, 'prior')}`).join('; '));
  }
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}
function std(xs: number[]): number {
  const mu = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, xs.length - 1));
}

const summary: Record<string, Record<string, { net: [number, number]; prior: [number, number]; worstSceneNetDelta: number }>> = {};
for (const h of ['tuning', 'heldout']) {
  const rows = results.filter((r) => (r.scene % 2 === 0 ? 'tuning' : 'heldout') === h);
  if (rows.length === 0) continue;
  summary[h] = {};
  if (!json) console.log(`\n${h} half (${rows.length} scenes x ${seeds} seeds)\n| net | training | IoU net | IoU convex prior |\n| --- | --- | --- | --- |`);
  for (const net of nets) {
    for (const mode of modes) {
      const cells = rows.flatMap((r) => r.runs[`${net}/${mode}`]!);
      // Joint minus sequential net IoU per scene (seed means): the worst scene.
      const worst = Math.min(...rows.map((r) => mean(r.runs[`${net}/joint`]!.map((c) => c.net)) - mean(r.runs[`${net}/sequential`]!.map((c) => c.net))));
      summary[h]![`${net}/${mode}`] = { net: [mean(cells.map((c) => c.net)), std(cells.map((c) => c.net))], prior: [mean(cells.map((c) => c.prior)), std(cells.map((c) => c.prior))], worstSceneNetDelta: worst };
      const s = summary[h]![`${net}/${mode}`]!;
      if (!json) console.log(`| ${net.toUpperCase()} (RGB + xy) | ${mode} | ${s.net[0].toFixed(3)} ± ${s.net[1].toFixed(3)} | ${s.prior[0].toFixed(3)} ± ${s.prior[1].toFixed(3)} |`);
    }
    if (!json) console.log(`|  | worst scene, joint - sequential net IoU | ${summary[h]![`${net}/joint`]!.worstSceneNetDelta.toFixed(3)} | |`);
  }
}
if (json) process.stdout.write(`${JSON.stringify({ backend: backend.choice, steps, size, seeds, results, summary }, null, 2)}\n`);
