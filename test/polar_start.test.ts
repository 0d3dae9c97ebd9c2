import { describe, expect, it } from 'vitest';
import { polarMap } from '../bench/polar_maps.js';
import { checkSettings } from '../src/fit/fit_settings.js';
import { gridCoordinates } from '../src/coordinates.js';
import { iou } from '../src/metrics.js';
import { focusOnObject } from '../src/priors/polar_focus.js';
import { mirrorAxes, rotationCentre, starCentre } from '../src/priors/polar_start.js';
import { resolvePriorConfig } from '../src/priors/prior_config.js';
import { probabilityMap, type ProbabilityMap } from '../src/probability_map.js';

/** A clean map of a mask: 0.9 on it, 0.05 off it. */
const cleanMap = (truth: Uint8Array, size: number): ProbabilityMap => probabilityMap(size, size, Float32Array.from(truth, (t) => (t ? 0.9 : 0.05)));

/** The mask reflected in the line through `centre` at `angle` (frame coordinates), nearest pixel. */
function reflected(mask: Uint8Array, size: number, centre: [number, number], angle: number): Uint8Array {
  const coords = gridCoordinates(size, size);
  const out = new Uint8Array(mask.length);
  const [ux, uy] = [Math.cos(angle), Math.sin(angle)];
  for (let i = 0; i < mask.length; i++) {
    const [x, y] = [coords[2 * i]! - centre[0], coords[2 * i + 1]! - centre[1]];
    const t = x * ux + y * uy;
    const [rx, ry] = [2 * t * ux - x + centre[0], 2 * t * uy - y + centre[1]];
    const col = Math.round(((rx + 1) * size) / 2 - 0.5);
    const row = Math.round(((ry + 1) * size) / 2 - 0.5);
    out[i] = col >= 0 && row >= 0 && col < size && row < size ? mask[row * size + col]! : 0;
  }
  return out;
}

describe('polar starts from the map (held-out benchmark maps, no fit)', () => {
  it('finds the mirror axis of arrows, hearts and butterflies: the shape matches its reflection', () => {
    // Held-out maps (odd indices): arrow, butterfly, tcross ... of the mirror family.
    for (const index of [1, 3, 7, 13]) {
      const map = polarMap('mirror', index);
      const [axis] = mirrorAxes(cleanMap(map.truth, map.size), 1);
      expect(axis, map.name).toBeDefined();
      expect(iou(reflected(map.truth, map.size, axis!.centre, axis!.angle), map.truth), map.name).toBeGreaterThan(0.85);
    }
  });

  it('starts star priors inside the object, and rotation priors at the centre of symmetry', () => {
    for (const index of [1, 5, 9, 13]) {
      const map = polarMap('star', index);
      const [x, y] = starCentre(cleanMap(map.truth, map.size))!;
      const col = Math.round(((x + 1) * map.size) / 2 - 0.5);
      const row = Math.round(((y + 1) * map.size) / 2 - 0.5);
      expect(map.truth[row * map.size + col], map.name).toBe(1);
    }
    const map = polarMap('rotation', 1);
    const c = rotationCentre(cleanMap(map.truth, map.size), map.folds!)!;
    // The true centre: the mean of the truth's pixels (a k-fold symmetric shape's centroid is its centre).
    const coords = gridCoordinates(map.size, map.size);
    let [sx, sy, n] = [0, 0, 0];
    map.truth.forEach((t, i) => { if (t) { sx += coords[2 * i]!; sy += coords[2 * i + 1]!; n++; } });
    expect(Math.hypot(c[0] - sx / n, c[1] - sy / n)).toBeLessThan(0.03);
  });

  it('reads foreground far from the object as background, and keeps the object', () => {
    const map = polarMap('star', 3);
    const focused = focusOnObject(map.unaries) as ProbabilityMap;
    let clutterBefore = 0;
    let clutterAfter = 0;
    let objectKept = 0;
    let object = 0;
    const coords = gridCoordinates(map.size, map.size);
    for (let i = 0; i < map.truth.length; i++) {
      if (map.truth[i]) {
        object++;
        if (focused.data[i] === map.unaries.data[i]) objectKept++;
      } else if (Math.hypot(coords[2 * i]!, coords[2 * i + 1]!) > 0.95) {
        if (map.unaries.data[i]! >= 0.5) clutterBefore++;
        if (focused.data[i]! >= 0.5) clutterAfter++;
      }
    }
    expect(objectKept / object).toBeGreaterThan(0.98);
    expect(clutterAfter).toBeLessThan(0.5 * clutterBefore);
  });

  it('validates the new options', () => {
    expect(() => resolvePriorConfig({ kind: 'star', smoothness: -1 })).toThrow(/smoothness/);
    expect(resolvePriorConfig({ kind: 'mirror', smoothness: 0 })).toMatchObject({ smoothness: 0 });
    expect(() => checkSettings({ prior: 'convex', smoothness: 1e-3, steps: 10, sampling: 'cells', seed: 0 })).toThrow(/--smoothness/);
    expect(() => checkSettings({ prior: 'star', axisStarts: 2, steps: 10, sampling: 'cells', seed: 0 })).toThrow(/--axis-starts/);
  });
});
