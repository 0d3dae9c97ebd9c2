import { describe, expect, it } from 'vitest';
import { iou } from '../src/metrics.js';
import { focusOnObject, objectMask } from '../src/priors/polar_focus.js';
import { calibrateLevels } from '../src/priors/polar_levels.js';
import { probabilityMap, thresholdMap, type ProbabilityMap } from '../src/probability_map.js';

const SIZE = 128;

/** A map drawn pixel by pixel, with its true object. */
function drawn(level: (x: number, y: number) => number, object: (x: number, y: number) => boolean): { map: ProbabilityMap; truth: Uint8Array } {
  const data = new Float32Array(SIZE * SIZE);
  const truth = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      data[y * SIZE + x] = level(x, y);
      truth[y * SIZE + x] = object(x, y) ? 1 : 0;
    }
  }
  return { map: probabilityMap(SIZE, SIZE, data), truth };
}

const disc = (cx: number, cy: number, r: number) => (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;

describe('the one object a polar prior is fitted to', () => {
  it('keeps the pieces an occluding bar cuts apart and drops clutter far away, even clutter as large as a piece', () => {
    const object = disc(50, 64, 22);
    // A 7 px bar across the disc (wider than the closing radius), and a clutter disc
    // of radius 11 (40% of the larger piece's area) 30 px beyond the object's edge.
    const bar = (x: number) => x >= 54 && x < 61;
    const clutter = disc(102, 64, 11);
    const { map, truth } = drawn((x, y) => (object(x, y) && !bar(x) ? 0.9 : clutter(x, y) ? 0.9 : 0.05), object);
    const kept = objectMask(map);
    const visible = Uint8Array.from(truth, (t, i) => (t && !bar(i % SIZE) ? 1 : 0));
    let clutterKept = 0;
    for (let i = 0; i < kept.length; i++) if (kept[i] && clutter(i % SIZE, Math.floor(i / SIZE))) clutterKept++;
    expect(clutterKept).toBe(0);
    expect(iou(kept, visible)).toBeGreaterThan(0.85);
  });

  it('reads a clutter blob next to the object (not joined to it) as background', () => {
    // A 9 px gap: beyond the joining distance (8 px), within the focus margin (10 px).
    const object = disc(50, 64, 22);
    const blob = disc(50 + 22 + 9 + 8, 64, 8);
    const { map } = drawn((x, y) => (object(x, y) || blob(x, y) ? 0.9 : 0.05), object);
    const focused = focusOnObject(map) as ProbabilityMap;
    let blobInMargin = 0;
    let blobBright = 0;
    let objectBright = 0;
    for (let i = 0; i < map.data.length; i++) {
      const [x, y] = [i % SIZE, Math.floor(i / SIZE)];
      if (blob(x, y) && x <= 72 + 10) blobInMargin++;
      if (blob(x, y) && focused.data[i]! >= 0.5) blobBright++;
      if (object(x, y) && focused.data[i]! >= 0.5) objectBright++;
    }
    // Part of the blob lies within the margin the focus keeps; of it, at most a halo pixel or two stays bright.
    expect(blobInMargin).toBeGreaterThan(4);
    expect(blobBright).toBeLessThanOrEqual(2);
    expect(objectBright).toBeGreaterThan(0.99 * Math.PI * 22 * 22);
  });

  it('calibrates the map to its own levels: a dimmed half of a faint object reads as object', () => {
    // Object at 0.6 with its upper half dimmed to 0.45, background 0.1: thresholding at
    // 0.5 loses the upper half; the object / background midpoint (0.35) keeps it.
    const object = disc(64, 64, 30);
    const { map, truth } = drawn((x, y) => (object(x, y) ? (y < 64 ? 0.45 : 0.6) : 0.1), object);
    expect(iou(thresholdMap(map), truth)).toBeLessThan(0.6);
    expect(iou(thresholdMap(calibrateLevels(map, objectMask(map))), truth)).toBeGreaterThan(0.95);
    expect(iou(thresholdMap(focusOnObject(map) as ProbabilityMap), truth)).toBeGreaterThan(0.95);
  });

  it('does not let the calibration read a hazy background as object', () => {
    // A faint object (0.6) and a large haze (0.4) far from it: the calibrated midpoint
    // (~0.33) lifts the haze over 0.5, and on the calibrated map the haze is the
    // largest region; an object grown over 2x is rejected and the haze stays background.
    const object = disc(40, 64, 20);
    const { map, truth } = drawn((x, y) => (object(x, y) ? 0.6 : x >= 80 ? 0.4 : 0.05), object);
    const focused = thresholdMap(focusOnObject(map) as ProbabilityMap);
    let haze = 0;
    for (let i = 0; i < focused.length; i++) if (focused[i] && i % SIZE >= 80) haze++;
    expect(haze).toBe(0);
    expect(iou(focused, truth)).toBeGreaterThan(0.95);
  });

  it('leaves a map whose levels already meet at 0.5 as it is', () => {
    const object = disc(64, 64, 30);
    const { map } = drawn((x, y) => (object(x, y) ? 0.9 : 0.1), object);
    const calibrated = calibrateLevels(map, objectMask(map));
    let largest = 0;
    for (let i = 0; i < map.data.length; i++) largest = Math.max(largest, Math.abs(calibrated.data[i]! - map.data[i]!));
    expect(largest).toBeLessThan(1e-6);
  });
});
