/**
 * Dense linear algebra on the 2x2 / 3x3 matrices of the coordinate maps (plain
 * numbers: these run once per fit, not per step, and tfjs has no inverse or LU).
 */

/** M^-1 by Gauss-Jordan elimination with partial pivoting; throws when M is singular. */
export function invertMatrix(m: number[][], what = 'matrix'): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    const p = a[col]![col]!;
    if (!(Math.abs(p) > 1e-30)) throw new Error(`${what} is singular`);
    for (let c = 0; c < 2 * n; c++) a[col]![c]! /= p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r]![col]!;
      if (f !== 0) for (let c = 0; c < 2 * n; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  return a.map((row) => row.slice(n));
}

/**
 * Doolittle LU without pivoting: M = L U with L unit lower triangular. Exists with
 * positive pivots for the matrices used here (symmetric positive definite moment
 * frames); throws otherwise.
 */
export function luDecompose(m: number[][], what = 'matrix'): { lower: number[][]; upper: number[][] } {
  const n = m.length;
  const lower = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j): number => (i === j ? 1 : 0)));
  const upper = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = m[i]![j]!;
      for (let k = 0; k < i; k++) s -= lower[i]![k]! * upper[k]![j]!;
      upper[i]![j] = s;
    }
    if (!(upper[i]![i]! > 0)) throw new Error(`${what} has no LU decomposition with a positive diagonal (pivot ${upper[i]![i]})`);
    for (let j = i + 1; j < n; j++) {
      let s = m[j]![i]!;
      for (let k = 0; k < i; k++) s -= lower[j]![k]! * upper[k]![i]!;
      lower[j]![i] = s / upper[i]![i]!;
    }
  }
  return { lower, upper };
}

/** Row vector times matrix: x M. */
export function rowTimesMatrix(x: number[], m: number[][]): number[] {
  return m[0]!.map((_, j) => x.reduce((acc, v, i) => acc + v * m[i]![j]!, 0));
}
