import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { probabilityOfScores } from './prior_probability.js';

/** The layers of a polar prior after its polar coordinates, in order (see polarGraph). */
export interface PolarHead {
  /** Polar coordinates (v1, v2, r[, z]) -> the net's features. */
  features: tf.layers.Layer;
  hidden: tf.layers.Layer[];
  /** [h, polar] -> G. */
  profile: tf.layers.Layer;
  saturation: tf.layers.Layer;
  /** 3: (v1, v2, r); 4: (v1, v2, r, z) for a 3-D prior. */
  polarColumns: 3 | 4;
}

/** Rays and samples per ray of the penalty; about 1,800 extra points per fit step. */
const ANGLES = 64;
const RADII = 28;
/** Rays reach this far in normalised units (the object's moment disc is the unit disc): past the image corners. */
const REACH = 3.5;

/**
 * Roughness of the radius along the rays of a polar prior, the smoothness penalty of
 * the star, radial, mirror and rotation priors. On ANGLES rays from the polar centre
 * (normalised coordinates, so the penalty does not depend on the image's size or the
 * object's), the soft radius of the set along each ray is
 *
 *   rho(theta) = integral_0^REACH sigma(-F(theta, r)) dr,
 *
 * (the set's extent along the ray: exactly its radius for a star-shaped set with a
 * sharp edge), and the penalty is the mean squared second derivative of rho in theta
 * (second differences), the H^2 seminorm: harmonic m of the radius costs m^4 times its
 * squared amplitude. A spike of width 0.1 rad costs ~1000x a five-lobed starfish's
 * lobes of the same height, so the weight can remove spikes the data does not ask for
 * and keep lobes it does. Rays and radii are offset at random each step (seeded): an
 * unbiased estimate with no blind angles. The penalty is a loss term only: the
 * prior's guarantee holds for every parameter value, whatever its weight.
 */
export class RadialSmoothness {
  private readonly rng: () => number;

  constructor(private readonly head: PolarHead, readonly weight: number, seed = 0) {
    this.rng = seedrandom(`radial-smoothness-${seed}`);
  }

  /** weight * mean_theta (d^2 rho / d theta^2)^2; a scalar tensor that carries gradients to the head's weights. */
  penalty(): tf.Scalar {
    const a0 = this.rng();
    const r0 = this.rng();
    const z = 2 * this.rng() - 1;
    return tf.tidy(() => {
      const cols = this.head.polarColumns;
      const rows = new Float32Array(ANGLES * RADII * cols);
      const dr = REACH / RADII;
      for (let j = 0; j < ANGLES; j++) {
        const t = (2 * Math.PI * (j + a0)) / ANGLES;
        for (let i = 0; i < RADII; i++) {
          const at = (j * RADII + i) * cols;
          rows[at] = Math.cos(t);
          rows[at + 1] = Math.sin(t);
          rows[at + 2] = (i + r0) * dr;
          if (cols === 4) rows[at + 3] = z;
        }
      }
      const polar = tf.tensor2d(rows, [ANGLES * RADII, cols]);
      let h = this.head.features.apply(polar) as tf.Tensor;
      for (const layer of this.head.hidden) h = layer.apply(h) as tf.Tensor;
      const g = this.head.saturation.apply(this.head.profile.apply([h, polar]) as tf.Tensor) as tf.Tensor;
      const inside = probabilityOfScores(g);
      const rho = tf.mul(tf.sum(tf.reshape(inside, [ANGLES, RADII]), 1), dr);
      const next = tf.concat([rho.slice(1), rho.slice(0, 1)]);
      const prev = tf.concat([rho.slice(ANGLES - 1), rho.slice(0, ANGLES - 1)]);
      const step = (2 * Math.PI) / ANGLES;
      const curvature = tf.div(tf.add(tf.sub(next, tf.mul(rho, 2)), prev), step * step);
      return tf.mul(tf.mean(tf.square(curvature)), this.weight) as tf.Scalar;
    });
  }
}
