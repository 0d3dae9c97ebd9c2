import type * as tf from '@tensorflow/tfjs';

/** The base arguments every tfjs layer takes (name, trainable, ...); tfjs exports no name for them. */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;
