import type { ProbabilityMap } from '../probability_map.js';
import { smoothedMap } from './moment_frame.js';

/**
 * The connected regions of a binary H x W mask (pixels with value 1), largest first,
 * as lists of pixel indices. 4-connectivity joins edge neighbours only; 8 also joins
 * diagonal ones (the pixels of a thin diagonal stroke touch only at corners).
 */
export function connectedComponents(mask: Uint8Array, height: number, width: number, connectivity: 4 | 8 = 4): Int32Array[] {
  const label = new Int32Array(mask.length).fill(-1);
  const components: Int32Array[] = [];
  const stack: number[] = [];
  const offsets = connectivity === 4 ? [[0, -1], [0, 1], [-1, 0], [1, 0]] : [[0, -1], [0, 1], [-1, 0], [1, 0], [-1, -1], [-1, 1], [1, -1], [1, 1]];
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== 1 || label[start] !== -1) continue;
    const id = components.length;
    const pixels: number[] = [];
    label[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      pixels.push(i);
      const r = Math.floor(i / width);
      const c = i - r * width;
      for (const [dr, dc] of offsets) {
        const rr = r + dr!;
        const cc = c + dc!;
        if (rr < 0 || rr >= height || cc < 0 || cc >= width) continue;
        const j = rr * width + cc;
        if (label[j] === -1 && mask[j] === 1) {
          label[j] = id;
          stack.push(j);
        }
      }
    }
    components.push(Int32Array.from(pixels));
  }
  return components.sort((a, b) => b.length - a.length);
}

/**
 * The 4-connected regions where the box-blurred map is >= 0.5, largest first.
 * Blurring first keeps speckle from making regions of its own; a union prior starts
 * one member on each of the largest.
 */
export function foregroundComponents(map: ProbabilityMap): Int32Array[] {
  const smooth = smoothedMap(map);
  const mask = new Uint8Array(smooth.length);
  for (let i = 0; i < smooth.length; i++) mask[i] = smooth[i]! >= 0.5 ? 1 : 0;
  return connectedComponents(mask, map.height, map.width, 4);
}
