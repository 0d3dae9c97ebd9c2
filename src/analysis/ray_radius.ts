/**
 * The best star-shaped set about a centre, in closed form. For a set that is
 * star-shaped about c, with radius rho(theta) along the ray at angle theta, eq. 9 read
 * on a 0/1 mask splits into one term per ray: a ray gains
 *
 *   S_theta(rho) = integral_0^rho (g(c + r u_theta) - level) r dr
 *
 * (the area element of polar coordinates is r dr dtheta). Each ray's best radius is
 * its own maximiser; a chain of rays is then solved jointly with a cost on jumps of
 * the radius between neighbouring rays (dynamic programming over the rays, exact on
 * an open chain), which keeps spikes out where the map does not ask for them: a spike
 * is two jumps for a sliver of area. Symmetries tie rays together: a mirror axis
 * adds the gains of each ray and its reflection (an open chain from the axis to its
 * other end), k folds add the gains of the k rotated rays (a ring of 2 pi / k).
 *
 * Everything is in pixels; the map is read bilinearly.
 */
export interface RayGains {
  /** Rays evenly spread from angle `offset` (x right, y down, as pixels). */
  rays: number;
  /** Radii sampled per ray: r_j = (j + 1) * step, j < samples. */
  samples: number;
  step: number;
  /** Cumulative gain S_theta(r_j) per ray, [rays * (samples + 1)], entry 0 = radius 0. */
  cumulative: Float64Array;
}

/**
 * Cumulative gains along `rays` rays from (cx, cy) (pixels), the first at angle
 * `offset`, out to the farthest image corner, on `gains` (the map minus its level, see
 * radialGainMap); outside the image a ray gains nothing (no data: the radius there is
 * left to the jump cost).
 */
export function rayGains(gains: Float32Array, height: number, width: number, cx: number, cy: number, rays: number, offset = 0, step = 0.5): RayGains {
  const reach = Math.max(Math.hypot(cx, cy), Math.hypot(width - 1 - cx, cy), Math.hypot(cx, height - 1 - cy), Math.hypot(width - 1 - cx, height - 1 - cy));
  const samples = Math.max(1, Math.ceil(reach / step));
  const cumulative = new Float64Array(rays * (samples + 1));
  for (let k = 0; k < rays; k++) {
    const t = offset + (2 * Math.PI * k) / rays;
    const [ux, uy] = [Math.cos(t), Math.sin(t)];
    let s = 0;
    const row = k * (samples + 1);
    for (let j = 0; j < samples; j++) {
      const r = (j + 1) * step;
      const x = cx + r * ux;
      const y = cy + r * uy;
      if (x >= 0 && y >= 0 && x <= width - 1 && y <= height - 1) s += bilinear(gains, height, width, x, y) * r * step;
      cumulative[row + j + 1] = s;
    }
  }
  return { rays, samples, step, cumulative };
}

function bilinear(values: Float32Array, height: number, width: number, x: number, y: number): number {
  const x0 = Math.min(width - 2, Math.floor(x));
  const y0 = Math.min(height - 2, Math.floor(y));
  if (x0 < 0 || y0 < 0) return values[Math.max(0, Math.round(y)) * width + Math.max(0, Math.round(x))]!;
  const tx = x - x0;
  const ty = y - y0;
  const i = y0 * width + x0;
  return (1 - ty) * ((1 - tx) * values[i]! + tx * values[i + 1]!) + ty * ((1 - tx) * values[i + width]! + tx * values[i + width + 1]!);
}

/** A chain of rays solved jointly: per node, the radius index chosen; the total gain less the jump costs. */
export interface ChainSolution {
  radius: Int32Array;
  score: number;
}

/**
 * Maximises sum_n gain_n(radius_n) - jump * sum_n (radius_n - radius_{n+1})^2 over
 * integer radii (open chain, exact). `gain(n, j)` is node n's gain at radius index j
 * (0..samples). The quadratic jump cost is minimised by a lower-envelope pass (the
 * distance transform of Felzenszwalb and Huttenlocher), so a chain of N nodes and R
 * radii costs O(N R), not O(N R^2). A jump cost of 0 leaves each node to its own best.
 */
export function solveChain(nodes: number, samples: number, gain: (n: number, j: number) => number, jump: number): ChainSolution {
  const R = samples + 1;
  const back = new Int32Array(nodes * R);
  let best = new Float64Array(R);
  for (let j = 0; j < R; j++) best[j] = gain(0, j);
  for (let n = 1; n < nodes; n++) {
    const { value, arg } = maxPlusQuadratic(best, jump);
    const next = new Float64Array(R);
    for (let j = 0; j < R; j++) {
      next[j] = value[j]! + gain(n, j);
      back[n * R + j] = arg[j]!;
    }
    best = next;
  }
  let j = 0;
  for (let i = 1; i < R; i++) if (best[i]! > best[j]!) j = i;
  const score = best[j]!;
  const radius = new Int32Array(nodes);
  for (let n = nodes - 1; n >= 0; n--) {
    radius[n] = j;
    j = back[n * R + j]!;
  }
  return { radius, score };
}

/**
 * out[j] = max_i f[i] - c (i - j)^2 and its argmax: the negated squared-distance
 * transform of -f (lower envelope of parabolas), in O(length).
 */
function maxPlusQuadratic(f: Float64Array, c: number): { value: Float64Array; arg: Int32Array } {
  const n = f.length;
  const value = new Float64Array(n);
  const arg = new Int32Array(n);
  if (!(c > 0)) {
    // No cost: every node takes the best value of its neighbour's.
    let best = 0;
    for (let i = 1; i < n; i++) if (f[i]! > f[best]!) best = i;
    return { value: value.fill(f[best]!), arg: arg.fill(best) };
  }
  // Minimise g(p) + c (p - j)^2 with g = -f: the lower envelope of parabolas rooted at each p.
  const h = (p: number) => -f[p]! + c * p * p;
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  let k = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    let s = (h(q) - h(v[k]!)) / (2 * c * (q - v[k]!));
    while (s <= z[k]!) {
      k--;
      s = (h(q) - h(v[k]!)) / (2 * c * (q - v[k]!));
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let j = 0; j < n; j++) {
    while (z[k + 1]! < j) k++;
    const p = v[k]!;
    arg[j] = p;
    value[j] = f[p]! - c * (p - j) * (p - j);
  }
  return { value, arg };
}

/**
 * A ring of nodes (the radius at the last node is tied to the first): the chain is
 * unrolled over three laps and the middle lap kept, so both ends of the kept lap are
 * decided with their neighbours on either side.
 */
export function solveRing(nodes: number, samples: number, gain: (n: number, j: number) => number, jump: number): ChainSolution {
  const laps = solveChain(3 * nodes, samples, (n, j) => gain(n % nodes, j), jump);
  const radius = laps.radius.slice(nodes, 2 * nodes);
  let score = 0;
  for (let n = 0; n < nodes; n++) {
    score += gain(n, radius[n]!);
    score -= jump * (radius[n]! - radius[(n + 1) % nodes]!) ** 2;
  }
  return { radius, score };
}
