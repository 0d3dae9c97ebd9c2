import { InputError } from './errors.js';
/** Intersection over union of two binary masks of equal size (1 when both are empty). */
export function iou(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new InputError(`iou: masks differ in size (${a.length} vs ${b.length})`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! > 0;
    const y = b[i]! > 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return union === 0 ? 1 : inter / union;
}
