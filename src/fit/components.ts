import type { ProbabilityMap } from '../probability_map.js';
import { smoothedMap } from './moment_frame.js';

/**
 * The 4-connected regions where the box-blurred map is >= 0.5, largest first, as lists
 * of pixel indices. Blurring first keeps speckle from making regions of its own; a
 * union prior starts one member on each of the largest.
 */
export function foregroundComponents(map: ProbabilityMap): Int32Array[] {
  const { height, width } = map;
  const smooth = smoothedMap(map);
  const label = new Int32Array(smooth.length).fill(-1);
  const components: Int32Array[] = [];
  const stack: number[] = [];
  for (let start = 0; start < smooth.length; start++) {
    if (smooth[start]! < 0.5 || label[start] !== -1) continue;
    const id = components.length;
    const pixels: number[] = [];
    label[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      pixels.push(i);
      const r = Math.floor(i / width);
      const c = i - r * width;
      for (const j of [c > 0 ? i - 1 : -1, c < width - 1 ? i + 1 : -1, r > 0 ? i - width : -1, r < height - 1 ? i + width : -1]) {
        if (j >= 0 && label[j] === -1 && smooth[j]! >= 0.5) {
          label[j] = id;
          stack.push(j);
        }
      }
    }
    components.push(Int32Array.from(pixels));
  }
  return components.sort((a, b) => b.length - a.length);
}
