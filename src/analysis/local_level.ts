import { boxBlur } from './moment_frame.js';

/** The window (fraction of the longer side) over which the local object and background levels are averaged. */
const LOCAL_WINDOW = 0.06;

/**
 * The blurred map minus its local edge level: half way between the mean of the
 * foreground (>= 0.5) and of the background pixels near each pixel, within [0.35,
 * 0.65]. Where smooth noise lifts the background to 0.35, a fixed level of 0.5 on a
 * blurred edge lies pixels outside the object; the local level stays on the edge.
 */
export function aboveLocalLevel(smooth: Float32Array, height: number, width: number): Float32Array {
  const radius = Math.max(2, Math.round(LOCAL_WINDOW * Math.max(height, width)));
  const fg = smooth.map((g) => (g >= 0.5 ? 1 : 0));
  const bg = fg.map((v) => 1 - v);
  const fgSum = boxBlur(smooth.map((g, i) => g * fg[i]!), height, width, radius);
  const bgSum = boxBlur(smooth.map((g, i) => g * bg[i]!), height, width, radius);
  const fgShare = boxBlur(fg, height, width, radius);
  const bgShare = boxBlur(bg, height, width, radius);
  return smooth.map((g, i) => {
    const inside = fgShare[i]! > 0 ? fgSum[i]! / fgShare[i]! : 1;
    const outside = bgShare[i]! > 0 ? bgSum[i]! / bgShare[i]! : 0;
    return g - Math.min(0.65, Math.max(0.35, (inside + outside) / 2));
  });
}
