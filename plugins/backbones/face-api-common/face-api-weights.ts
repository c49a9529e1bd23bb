import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);

/** A weights manifest of the nets that ship inside @vladmandic/face-api's npm package (nothing to download). */
export const faceApiWeights = (model: string) => join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model', `${model}-weights_manifest.json`);

/** The mean RGB face-api's recognition and expression nets subtract before dividing by 255. */
const MEAN_RGB = [122.782, 117.001, 104.298];

/**
 * fer-run's input x' in [−1, 1] (x/127.5 − 1) as face-api's nets want it: (x − mean)/255 =
 * 0.5·x' + (127.5 − mean)/255. Call it inside the forward pass (its constant is made per call and
 * freed with the step's other intermediates).
 */
export function faceApiInput(x: tf.Tensor4D): tf.Tensor4D {
  return tf.add(tf.mul(x, 0.5), tf.tensor1d(MEAN_RGB.map((m) => (127.5 - m) / 255))) as tf.Tensor4D;
}

/** The `pretrained` option of a backbone built from one of face-api's nets (`net`: which weights, in words). */
export function faceApiPretrainedOption(net: string) {
  return { type: 'boolean', default: true, description: `start from face-api's ${net} weights (installed with fer-run); false: random weights, the ablation` } as const;
}
