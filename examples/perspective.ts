import { connectedComponents, invertMatrix, rowTimesMatrix, type RgbImage } from '../src/index.js';

/**
 * A plane seen in perspective: photo position = H (lattice position), a 3x3
 * homography with h33 = 1, as [h11, h12, h13, h21, h22, h23, h31, h32, 1]. The
 * perforated sheet example uses it to undo the perspective, so that the holes form
 * the periodic pattern the periodic prior describes. Photo positions are continuous
 * pixel coordinates (pixel (c, r) covers [c, c + 1) x [r, r + 1)).
 */
export type Homography = number[];

export function applyHomography(h: Homography, u: number, v: number): [number, number] {
  const w = h[6]! * u + h[7]! * v + 1;
  return [(h[0]! * u + h[1]! * v + h[2]!) / w, (h[3]! * u + h[4]! * v + h[5]!) / w];
}

/** The least-squares homography from point pairs [from, to] (4 pairs or more; the linear DLT equations). */
export function fitHomography(pairs: Array<[[number, number], [number, number]]>): Homography {
  const ata = Array.from({ length: 8 }, () => new Array<number>(9).fill(0));
  for (const [[u, v], [x, y]] of pairs) {
    for (const [row, rhs] of [[[u, v, 1, 0, 0, 0, -u * x, -v * x], x], [[0, 0, 0, u, v, 1, -u * y, -v * y], y]] as Array<[number[], number]>) {
      for (let a = 0; a < 8; a++) {
        for (let b = 0; b < 8; b++) ata[a]![b]! += row[a]! * row[b]!;
        ata[a]![8]! += row[a]! * rhs;
      }
    }
  }
  const solution = rowTimesMatrix(ata.map((row) => row[8]!), invertMatrix(ata.map((row) => row.slice(0, 8)), 'homography normal equations'));
  return [...solution, 1];
}

/** The inverse map (photo position -> lattice position), normalised to h33 = 1. */
export function invertHomography(h: Homography): Homography {
  const [a, b, c, d, e, f, g, k, l] = h as [number, number, number, number, number, number, number, number, number];
  const adj = [e * l - f * k, c * k - b * l, b * f - c * e, f * g - d * l, a * l - c * g, c * d - a * f, d * k - e * g, b * g - a * k, a * e - b * d];
  return adj.map((v) => v / adj[8]!);
}

/** Centroids (continuous pixel coordinates) of the 4-connected regions of pixels with mean(R, G, B) < maxLuminance, of minArea..maxArea pixels. */
export function darkBlobs(photo: RgbImage, maxLuminance: number, minArea: number, maxArea: number): Array<[number, number]> {
  const { width, height, data } = photo;
  const dark = Uint8Array.from({ length: width * height }, (_, i) => (data[3 * i]! + data[3 * i + 1]! + data[3 * i + 2]! < 3 * maxLuminance ? 1 : 0));
  return connectedComponents(dark, height, width, 4)
    .filter((blob) => blob.length >= minArea && blob.length <= maxArea)
    .map((blob) => {
      let [sx, sy] = [0, 0];
      for (const i of blob) {
        sx += (i % width) + 0.5;
        sy += Math.floor(i / width) + 0.5;
      }
      return [sx / blob.length, sy / blob.length] as [number, number];
    });
}

/**
 * Refines a rough homography of a lattice of holes: each blob within `tolerance`
 * lattice units of a lattice point is matched to it, and the homography is refitted
 * to all matches. Returns it with the matches' count and RMS residual in pixels.
 */
export function refineLattice(rough: Homography, blobs: Array<[number, number]>, tolerance = 0.12): { h: Homography; matched: number; rmsPixels: number } {
  const inverse = invertHomography(rough);
  const pairs: Array<[[number, number], [number, number]]> = [];
  for (const [x, y] of blobs) {
    const [u, v] = applyHomography(inverse, x, y);
    const [i, j] = [Math.round(u), Math.round(v)];
    if (Math.hypot(u - i, v - j) < tolerance) pairs.push([[i, j], [x, y]]);
  }
  const h = fitHomography(pairs);
  const sq = pairs.reduce((acc, [[i, j], [x, y]]) => {
    const [px, py] = applyHomography(h, i, j);
    return acc + (px - x) ** 2 + (py - y) ** 2;
  }, 0);
  return { h, matched: pairs.length, rmsPixels: Math.sqrt(sq / pairs.length) };
}

/**
 * The photo resampled (bilinear) on the lattice rectangle [u0, u1] x [v0, v1], with
 * `pxPerUnit` pixels per lattice period: the plane seen head-on.
 */
export function rectify(photo: RgbImage, h: Homography, [u0, u1, v0, v1]: [number, number, number, number], pxPerUnit: number): RgbImage {
  const width = Math.round((u1 - u0) * pxPerUnit);
  const height = Math.round((v1 - v0) * pxPerUnit);
  const data = new Uint8Array(width * height * 3);
  const at = (x: number, y: number, k: number) => photo.data[3 * (y * photo.width + x) + k]!;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const [x, y] = applyHomography(h, u0 + (c + 0.5) / pxPerUnit, v0 + (r + 0.5) / pxPerUnit);
      // Interpolate between the four nearest pixel centres (at integer + 0.5).
      const x0 = Math.min(photo.width - 2, Math.max(0, Math.floor(x - 0.5)));
      const y0 = Math.min(photo.height - 2, Math.max(0, Math.floor(y - 0.5)));
      const ax = Math.min(1, Math.max(0, x - 0.5 - x0));
      const ay = Math.min(1, Math.max(0, y - 0.5 - y0));
      for (let k = 0; k < 3; k++) {
        const top = (1 - ax) * at(x0, y0, k) + ax * at(x0 + 1, y0, k);
        const bottom = (1 - ax) * at(x0, y0 + 1, k) + ax * at(x0 + 1, y0 + 1, k);
        data[3 * (r * width + c) + k] = Math.round((1 - ay) * top + ay * bottom);
      }
    }
  }
  return { width, height, data };
}
