import * as tf from '@tensorflow/tfjs';
import { maxPoolDims, type MaxPoolAttrs } from '../pooling.js';
import { simdKernels } from './pool.js';

/**
 * MaxPoolGrad on wasm by kernels.c's maxpool_grad: each window walked once per output pixel, four
 * channels at a time, the images split among the threads (tfjs's kernel visits every input pixel
 * and every window over it, one channel at a time). Null hands the call back to tfjs's kernel:
 * other backends, or shapes the kernel does not take.
 */
export function simdMaxPoolGrad({ inputs, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | null {
  const k = simdKernels();
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  if (!k || input.dtype !== 'float32' || dy.dtype !== 'float32') return null;
  const dims = maxPoolDims(input.shape, attrs as unknown as MaxPoolAttrs);
  if (!dims || !tf.util.arraysEqual(dy.shape, [dims[0], dims[6], dims[7], dims[3]])) return null;
  const out = k.output(input.shape);
  k.run('maxpool_grad', [k.address(input), k.address(dy), k.address(out), k.ints(dims)]);
  return out;
}
