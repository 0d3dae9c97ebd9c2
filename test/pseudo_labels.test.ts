import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readUnaries } from '../src/io/images.js';
import { DiskPriorStore } from '../src/joint/disk_prior_store.js';
import { exportPriorMasks, maskFileName, type ExportedMasks } from '../src/joint/export_masks.js';
import { initialState } from '../src/joint/prior_parameters.js';
import { iou } from '../src/metrics.js';
import { createPrior } from '../src/priors/create_prior.js';
import { evaluateMask } from '../src/priors/evaluate.js';
import { fitPrior } from '../src/fit/fit_prior.js';
import { probabilityMap } from '../src/probability_map.js';

const BIN = path.resolve('dist/src/cli/main.js');
const config = { kind: 'convex' as const, width: 16, depth: 2 };

/** A disc map of 24x24 about (cx, cy) in frame units. */
function disc(cx: number, cy: number, r: number) {
  const n = 24;
  const data = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) data[y * n + x] = Math.hypot((2 * x + 1) / n - 1 - cx, (2 * y + 1) / n - 1 - cy) < r ? 0.95 : 0.05;
  return probabilityMap(n, n, data);
}

async function readMask(file: string): Promise<Uint8Array> {
  const m = await readUnaries(file);
  return Uint8Array.from(m.data, (v) => (v >= 0.5 ? 1 : 0));
}

describe('pseudo-labels out of a prior store', () => {
  it('writes each stored prior\'s mask at any size with summary.json, from the library and the CLI; bad requests exit 2', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'shapeprior-masks-'));
    const store = await DiskPriorStore.open(path.join(root, 'store'));
    // Two samples fitted to discs in different places; one id needs escaping as a file name.
    const samples = [{ id: 'cats/001', map: disc(-0.4, -0.3, 0.35) }, { id: 'b', map: disc(0.4, 0.35, 0.45) }];
    const expected = new Map<string, { at48: Uint8Array; at64x32: Uint8Array }>();
    for (const s of samples) {
      const prior = createPrior(config, { seed: 0 });
      await fitPrior(prior, s.map, { seed: 0, maxSteps: 60 });
      await store.save(s.id, initialState(prior));
      expected.set(s.id, { at48: evaluateMask(prior, 48, 48), at64x32: evaluateMask(prior, 64, 32) });
      prior.dispose();
    }
    expect(maskFileName('cats/001')).not.toContain('/');

    const libOut = path.join(root, 'lib');
    const summary = await exportPriorMasks(store, libOut, { height: 48, width: 48 });
    expect(summary.masks.map((m) => m.id)).toEqual(['b', 'cats/001']);
    for (const m of summary.masks) {
      const mask = await readMask(path.join(libOut, m.file));
      expect(iou(mask, expected.get(m.id)!.at48)).toBe(1);
      expect(m.foregroundPixels).toBe(expected.get(m.id)!.at48.reduce((a, v) => a + v, 0));
    }
    // The two discs are apart: each file holds its own sample's prior.
    expect(iou(await readMask(path.join(libOut, maskFileName('b'))), expected.get('cats/001')!.at48)).toBeLessThan(0.2);
    expect(JSON.parse(readFileSync(path.join(libOut, 'summary.json'), 'utf8'))).toEqual(summary);

    const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, 'masks', ...args], { encoding: 'utf8', env: { ...process.env, SHAPEPRIOR_BACKEND: 'wasm' } });
    const cliOut = path.join(root, 'cli', 'nested');
    const ok = cli('--store', path.join(root, 'store'), '--out-dir', cliOut, '--size', '64x32', '--json');
    expect(ok.status, ok.stderr).toBe(0);
    const printed = JSON.parse(ok.stdout) as ExportedMasks;
    expect([printed.height, printed.width, printed.masks.length]).toEqual([64, 32, 2]);
    for (const m of printed.masks) {
      const img = await readUnaries(path.join(cliOut, m.file));
      expect([img.height, img.width]).toEqual([64, 32]);
      expect(iou(Uint8Array.from(img.data, (v) => (v >= 0.5 ? 1 : 0)), expected.get(m.id)!.at64x32)).toBe(1);
    }

    const refused: Array<[string[], RegExp]> = [
      [['--store', path.join(root, 'store'), '--out-dir', path.join(root, 'x'), '--size', '0x5'], /--size.*expected HEIGHTxWIDTH with each side in \[1, 16384\]/],
      [['--store', path.join(root, 'store'), '--out-dir', path.join(root, 'store', 'masks'), '--size', '8x8'], /is inside --store/],
      [['--store', path.join(root, 'missing'), '--out-dir', path.join(root, 'y'), '--size', '8x8'], /--store .*missing: no such directory/],
      [['--store', path.join(root, 'lib'), '--out-dir', path.join(root, 'z'), '--size', '8x8'], /no prior store here/],
      [['--store', path.join(root, 'store'), '--out-dir', path.join(root, 'w'), '--size', '8x8', '--ids', 'b,nobody'], /no prior stored for sample "nobody"/],
    ];
    for (const [args, message] of refused) {
      const r = cli(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^shapeprior: /);
    }
    for (const never of [path.join(root, 'store', 'masks'), path.join(root, 'w'), path.join(root, 'x')]) expect(existsSync(never)).toBe(false);
  }, 120_000);
});
