import * as tf from '@tensorflow/tfjs';
import type { InputConvexDense } from '../../layers/input_convex_dense.js';
import type { Polygon } from '../analysis/convex_hull.js';
import { InternalError } from '../errors.js';

/**
 * Sets an input-convex net so that its zero level set is close to a convex polygon
 * (in the net's normalised coordinates, containing the origin):
 *
 *   F(x) = gain (G(x) - 1),   G(x) = sum_k w_k relu(n_k . x - beta h_k),
 *
 * n_k evenly spread directions, h_k the polygon's support in direction n_k, and
 * w_k >= 0 fitted (non-negative least squares) so that G = 1 along the polygon's
 * boundary. Each unit is active on the outer band of the polygon facing n_k
 * (beta < 1) and beyond, so the units that move the boundary get gradients; with
 * beta = 0 every G would be a zonotope's gauge (no triangles, no half discs), with
 * beta -> 1 the fit of w becomes exact but units die inside. Later hidden layers pass
 * z through unchanged (identity z-weights, non-negative as the net requires), and
 * the output sums it: F is the formula above exactly, its set convex by construction.
 * A large gain makes F steep at the boundary, the profile eq. 9 ends at, so the fit
 * does not first spend steps sharpening a soft start (and moving the boundary while
 * it does).
 */
export function polygonInit(layers: InputConvexDense[], polygon: Polygon, gain: number, beta = POLYGON_BETA): void {
  const [first, ...rest] = layers;
  const output = rest.pop();
  if (!first || !output) throw new InternalError('polygonInit needs at least one hidden layer and an output layer');
  if (polygon.length < 3) throw new InternalError(`polygonInit needs a polygon, got ${polygon.length} vertices`);
  const width = first.units;
  const dirs = Array.from({ length: width }, (_, k): [number, number] => [Math.cos((2 * Math.PI * k) / width), Math.sin((2 * Math.PI * k) / width)]);
  const support = dirs.map(([nx, ny]) => Math.max(...polygon.map(([x, y]) => nx * x + ny * y)));
  const boundary = boundaryAlongRays(polygon, BOUNDARY_SAMPLES_PER_UNIT * width);
  const rows = boundary.map(([x, y]) => dirs.map(([nx, ny], k) => Math.max(0, nx * x + ny * y - beta * support[k]!)));
  const w = nonNegativeLeastSquares(rows, width);
  // A unit with weight 0 would never see a gradient again: keep each one barely alive.
  const meanW = w.reduce((a, b) => a + b, 0) / width;
  for (let k = 0; k < width; k++) w[k] = Math.max(w[k]!, 1e-3 * meanW);
  tf.tidy(() => {
    const wx = tf.tensor2d([dirs.map(([nx], k) => nx * w[k]!), dirs.map(([, ny], k) => ny * w[k]!)]);
    first.setWeights([wx, tf.tensor1d(dirs.map((_, k) => -beta * support[k]! * w[k]!))]);
    for (const layer of rest) layer.setWeights([tf.zeros([2, width]), tf.eye(width), tf.zeros([width])]);
    output.setWeights([tf.zeros([2, 1]), tf.fill([width, 1], gain), tf.tensor1d([-gain])]);
  });
}

/** Where each unit becomes active, as a fraction of the polygon's support in its direction (see polygonInit). */
export const POLYGON_BETA = 0.95;

/** Boundary points per hidden unit for the least-squares fit of the weights. */
const BOUNDARY_SAMPLES_PER_UNIT = 4;

/** The polygon's boundary point along each of `count` rays from the origin (which must lie inside). */
function boundaryAlongRays(polygon: Polygon, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let j = 0; j < count; j++) {
    const t = (2 * Math.PI * j) / count;
    const [ux, uy] = [Math.cos(t), Math.sin(t)];
    let hit = Infinity;
    for (let i = 0; i < polygon.length; i++) {
      const [ax, ay] = polygon[i]!;
      const [bx, by] = polygon[(i + 1) % polygon.length]!;
      const [ex, ey] = [bx - ax, by - ay];
      const det = ux * ey - uy * ex;
      if (Math.abs(det) < 1e-12) continue;
      const r = (ax * ey - ay * ex) / det;
      const s = (ax * uy - ay * ux) / det;
      if (r > 0 && s >= -1e-9 && s <= 1 + 1e-9) hit = Math.min(hit, r);
    }
    if (Number.isFinite(hit)) out.push([hit * ux, hit * uy]);
  }
  return out;
}

/** min |A w - 1|^2 over w >= 0, by cyclic coordinate descent on the normal equations. */
function nonNegativeLeastSquares(rows: number[][], n: number): number[] {
  const gram = Array.from({ length: n }, () => new Float64Array(n));
  const rhs = new Float64Array(n);
  for (const row of rows) {
    for (let i = 0; i < n; i++) {
      const ai = row[i]!;
      if (ai === 0) continue;
      rhs[i]! += ai;
      const gi = gram[i]!;
      for (let k = 0; k < n; k++) gi[k]! += ai * row[k]!;
    }
  }
  const w = new Array<number>(n).fill(0);
  for (let sweep = 0; sweep < NNLS_SWEEPS; sweep++) {
    for (let i = 0; i < n; i++) {
      const gi = gram[i]!;
      if (gi[i]! <= 0) continue;
      let g = rhs[i]!;
      for (let k = 0; k < n; k++) if (k !== i) g -= gi[k]! * w[k]!;
      w[i] = Math.max(0, g / gi[i]!);
    }
  }
  return w;
}

const NNLS_SWEEPS = 300;
