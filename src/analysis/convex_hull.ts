/**
 * Convex polygons in frame coordinates (see src/coordinates.ts): the hull of a set
 * of pixels, a polygon's area moments, and the sum of a per-pixel value over the
 * pixels whose centres a polygon covers. The convex prior starts from such a hull.
 */

/** A convex polygon's vertices in order around it (the monotone chain's), frame coordinates. */
export type Polygon = Array<[number, number]>;

/** The convex hull of points (Andrew's monotone chain), without collinear vertices. */
export function convexHull(points: Array<[number, number]>): Polygon {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (pts.length < 3) return pts;
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const chain = (list: Array<[number, number]>) => {
    const out: Polygon = [];
    for (const p of list) {
      while (out.length >= 2 && cross(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  return [...chain(pts), ...chain(pts.reverse())];
}

/**
 * The hull of a region of pixels (indices into an H x W raster) whose `values` are
 * >= `level`, with sub-pixel boundary points: along each row and each column, the
 * region's first and last pixel are moved to where the values, interpolated
 * linearly towards the outside neighbour, cross the level. (The hull of the pixel
 * centres alone lies about half a pixel inside a blurred edge's level crossing: 1-2%
 * of the area of an object 100 pixels across.)
 */
export function regionHull(pixels: ArrayLike<number>, values: ArrayLike<number>, level: number, height: number, width: number): Polygon {
  const s = 2 / Math.max(height, width);
  const rowLo = new Int32Array(height).fill(width);
  const rowHi = new Int32Array(height).fill(-1);
  const colLo = new Int32Array(width).fill(height);
  const colHi = new Int32Array(width).fill(-1);
  for (let k = 0; k < pixels.length; k++) {
    const i = pixels[k]!;
    const r = Math.floor(i / width);
    const c = i - r * width;
    if (c < rowLo[r]!) rowLo[r] = c;
    if (c > rowHi[r]!) rowHi[r] = c;
    if (r < colLo[c]!) colLo[c] = r;
    if (r > colHi[c]!) colHi[c] = r;
  }
  // How far (in pixels, 0 to 1) past the pixel at `i` towards its neighbour at `j` the values cross the level.
  const past = (i: number, j: number | null) => {
    if (j === null) return 0;
    const a = values[i]!;
    const b = values[j]!;
    return b < level && a > b ? Math.min(1, (a - level) / (a - b)) : 0;
  };
  const at = (col: number, row: number): [number, number] => [(col + 0.5 - width / 2) * s, (row + 0.5 - height / 2) * s];
  const points: Array<[number, number]> = [];
  for (let r = 0; r < height; r++) {
    const [lo, hi] = [rowLo[r]!, rowHi[r]!];
    if (hi < 0) continue;
    points.push(at(lo - past(r * width + lo, lo > 0 ? r * width + lo - 1 : null), r));
    points.push(at(hi + past(r * width + hi, hi < width - 1 ? r * width + hi + 1 : null), r));
  }
  for (let c = 0; c < width; c++) {
    const [lo, hi] = [colLo[c]!, colHi[c]!];
    if (hi < 0) continue;
    points.push(at(c, lo - past(lo * width + c, lo > 0 ? (lo - 1) * width + c : null)));
    points.push(at(c, hi + past(hi * width + c, hi < height - 1 ? (hi + 1) * width + c : null)));
  }
  return convexHull(points);
}

/** Area, centroid and covariance of the uniformly filled polygon (Green's theorem). */
export function polygonMoments(poly: Polygon): { area: number; mean: [number, number]; cov: [[number, number], [number, number]] } {
  let a = 0, cx = 0, cy = 0, xx = 0, yy = 0, xy = 0;
  for (let i = 0; i < poly.length; i++) {
    const [x0, y0] = poly[i]!;
    const [x1, y1] = poly[(i + 1) % poly.length]!;
    const c = x0 * y1 - x1 * y0;
    a += c;
    cx += (x0 + x1) * c;
    cy += (y0 + y1) * c;
    xx += (x0 * x0 + x0 * x1 + x1 * x1) * c;
    yy += (y0 * y0 + y0 * y1 + y1 * y1) * c;
    xy += (x0 * y1 + 2 * x0 * y0 + 2 * x1 * y1 + x1 * y0) * c;
  }
  a /= 2;
  cx /= 6 * a;
  cy /= 6 * a;
  const vxx = xx / (12 * a) - cx * cx;
  const vyy = yy / (12 * a) - cy * cy;
  const vxy = xy / (24 * a) - cx * cy;
  return { area: Math.abs(a), mean: [cx, cy], cov: [[vxx, vxy], [vxy, vyy]] };
}

/**
 * Per-row prefix sums of a raster's values, so that the sum over any convex polygon's
 * pixels (see sumInside) costs one interval per row, not one test per pixel.
 */
export class RowSums {
  private readonly prefix: Float64Array;

  constructor(values: ArrayLike<number>, readonly height: number, readonly width: number) {
    this.prefix = new Float64Array(height * (width + 1));
    for (let r = 0; r < height; r++) {
      let acc = 0;
      const base = r * (width + 1);
      for (let c = 0; c < width; c++) {
        acc += values[r * width + c]!;
        this.prefix[base + c + 1] = acc;
      }
    }
  }

  /** The sum over the pixels whose centres lie in the convex polygon. */
  sumInside(poly: Polygon): number {
    let total = 0;
    forEachRowSpan(poly, this.height, this.width, (r, c0, c1) => {
      const base = r * (this.width + 1);
      total += this.prefix[base + c1]! - this.prefix[base + c0]!;
    });
    return total;
  }
}

/** The 0/1 raster of the pixels whose centres lie in the convex polygon. */
export function rasterizePolygon(poly: Polygon, height: number, width: number): Uint8Array {
  const mask = new Uint8Array(height * width);
  forEachRowSpan(poly, height, width, (r, c0, c1) => mask.fill(1, r * width + c0, r * width + c1));
  return mask;
}

/** For each row, the columns [c0, c1) whose pixel centres lie in the convex polygon. */
function forEachRowSpan(poly: Polygon, height: number, width: number, visit: (row: number, c0: number, c1: number) => void): void {
  if (poly.length < 3) return;
  const s = 2 / Math.max(height, width);
  let yMin = Infinity;
  let yMax = -Infinity;
  for (const [, y] of poly) {
    yMin = Math.min(yMin, y);
    yMax = Math.max(yMax, y);
  }
  const r0 = Math.max(0, Math.ceil(yMin / s + height / 2 - 0.5));
  const r1 = Math.min(height - 1, Math.floor(yMax / s + height / 2 - 0.5));
  for (let r = r0; r <= r1; r++) {
    const y = (r + 0.5 - height / 2) * s;
    let xLo = Infinity;
    let xHi = -Infinity;
    for (let i = 0; i < poly.length; i++) {
      const [xa, ya] = poly[i]!;
      const [xb, yb] = poly[(i + 1) % poly.length]!;
      if ((ya <= y && y <= yb) || (yb <= y && y <= ya)) {
        const x = ya === yb ? Math.min(xa, xb) : xa + ((y - ya) / (yb - ya)) * (xb - xa);
        const x2 = ya === yb ? Math.max(xa, xb) : x;
        xLo = Math.min(xLo, x);
        xHi = Math.max(xHi, x2);
      }
    }
    if (!(xLo <= xHi)) continue;
    const c0 = Math.max(0, Math.ceil(xLo / s + width / 2 - 0.5));
    const c1 = Math.min(width, Math.floor(xHi / s + width / 2 - 0.5) + 1);
    if (c1 > c0) visit(r, c0, c1);
  }
}
