import * as tf from '@tensorflow/tfjs';
import { definePlugin, globalAvgPool, InputError, loadPretrained, ParamBuilder, relu } from '../../../framework/index.js';
import type { Backbone } from '../../../framework/index.js';
import { faceApiInput, faceApiPretrainedOption, faceApiWeights } from '../face-api-common/face-api-weights.js';

interface Options {
  pretrained: boolean;
}

/** face-api's face-recognition net (a dlib ResNet for face identity, 128-d descriptors), as shipped in its npm package. */
export const FACE_RECOGNITION_WEIGHTS = () => faceApiWeights('face_recognition_model');

type Fwd = (x: tf.Tensor4D) => tf.Tensor4D;

/** Side after a 'valid' k×k convolution or pool of stride s. */
const valid = (side: number, k: number, s: number) => Math.floor((side - k) / s) + 1;

/**
 * Res_low's side for a square input of `size`, and the smallest side a downsampling block's body
 * sees: its valid 3×3/2 convolution needs at least 3 pixels (below that face-api's own net would
 * run an empty convolution).
 */
export function faceResnetSides(size: number): { low: number; smallest: number } {
  const low = valid(valid(size, 7, 2), 3, 2);
  let side = low;
  let smallest = low;
  // Four downsampling blocks: each body sees `side`; the shortcut's 2×2 average pool halves it.
  for (let i = 0; i < 4; i++) {
    smallest = Math.min(smallest, side);
    side = Math.floor(side / 2);
  }
  return { low, smallest };
}

/**
 * The face-recognition ResNet of face-api (dlib's metric-learning net): conv layers with biases and
 * a per-channel scale instead of batch norm; residual blocks whose downsampling shortcut is a 2×2
 * average pool zero-padded to twice the channels. Res_low = the 7×7/2 stem, its 3×3/2 max-pool and
 * the three 32-channel blocks; Res_up = the 64-, 128- and 256-channel stages, global average pooling
 * (256 features; the identity head is left out). Variable names are face-api's, so its weights load
 * by name, every tensor checked.
 */
function buildFaceResnet(seed: number, imageSize: number): Backbone {
  const pb = new ParamBuilder('backbone', seed);
  const layer = (name: string, k: number, cin: number, cout: number, stride: number, withRelu: boolean): Fwd => {
    const conv = pb.conv(`${name}/conv`, k, cin, cout, stride, stride === 2 ? 'valid' : 'same', true);
    const scale = pb.scale(`${name}/scale`, cout);
    return (x) => {
      const y = scale(conv(x));
      return withRelu ? relu(y) : y;
    };
  };
  const residual = (name: string, c: number): Fwd => {
    const c1 = layer(`${name}/conv1`, 3, c, c, 1, true);
    const c2 = layer(`${name}/conv2`, 3, c, c, 1, false);
    return (x) => relu(tf.add(c2(c1(x)), x) as tf.Tensor4D);
  };
  const residualDown = (name: string, cin: number, cout: number): Fwd => {
    const c1 = layer(`${name}/conv1`, 3, cin, cout, 2, true);
    const c2 = layer(`${name}/conv2`, 3, cout, cout, 1, false);
    // The shortcut, a 2×2/2 average pool whose channels are zero-padded to cout, is one fixed
    // 2×2/2 convolution (¼ on each tap from channel c to channel c): the same numbers, but through
    // the backend's convolution kernels (tfjs's stock AvgPoolGrad and the SplitV of a concatenation's
    // gradient took 2.7 s of a 4.2-s native step at 112 px, batch 32).
    const shortcut = tf.tidy(() => {
      const f = new Float32Array(2 * 2 * cin * cout);
      for (let t = 0; t < 4; t++) for (let c = 0; c < cin; c++) f[t * cin * cout + c * cout + c] = 0.25;
      return tf.keep(tf.tensor4d(f, [2, 2, cin, cout]));
    });
    // The body's valid 3×3/2 convolution can end one pixel short of the pool, where face-api appends
    // a zero row and column. That is a transposed 2×2 convolution whose only tap is the identity at
    // (0, 0), again through the convolution kernels (a pad's gradient is a Slice, 0.5 s a step on
    // tfjs's stock kernel).
    const extend = tf.tidy(() => {
      const f = new Float32Array(2 * 2 * cout * cout);
      for (let c = 0; c < cout; c++) f[c * cout + c] = 1;
      return tf.keep(tf.tensor4d(f, [2, 2, cout, cout]));
    });
    return (x) => {
      let out = c2(c1(x));
      const pooled = tf.conv2d(x, shortcut, 2, 'valid');
      const [n, h, w] = pooled.shape;
      if (out.shape[1] === h - 1 && out.shape[2] === w - 1) out = tf.conv2dTranspose(out, extend, [n, h, w, cout], 1, 'valid');
      else if (out.shape[1] !== h || out.shape[2] !== w) out = tf.pad(out, [[0, 0], [0, h - out.shape[1]], [0, w - out.shape[2]], [0, 0]]);
      return relu(tf.add(pooled, out) as tf.Tensor4D);
    };
  };

  const { low: lowSide, smallest } = faceResnetSides(imageSize);
  if (smallest < 3) {
    let least = imageSize;
    while (faceResnetSides(least).smallest < 3) least++;
    throw new InputError(`backbone "face-resnet": an input of ${imageSize} px is too small for its five downsamplings; use imageSize ${least} or more (face-api runs it at 150).`);
  }
  const stem = layer('conv32_down', 7, 3, 32, 2, true);
  const stage1 = [1, 2, 3].map((i) => residual(`conv32_${i}`, 32));
  const rest: Fwd[] = [
    residualDown('conv64_down', 32, 64),
    ...[1, 2, 3].map((i) => residual(`conv64_${i}`, 64)),
    residualDown('conv128_down', 64, 128),
    ...[1, 2].map((i) => residual(`conv128_${i}`, 128)),
    residualDown('conv256_down', 128, 256),
    ...[1, 2].map((i) => residual(`conv256_${i}`, 256)),
    residualDown('conv256_down_out', 256, 256),
  ];
  return {
    params: pb.params,
    low(x) {
      let y = stem(faceApiInput(x));
      y = tf.maxPool(y, 3, 2, 'valid');
      return stage1.reduce((h, f) => f(h), y);
    },
    up(h) {
      return globalAvgPool(rest.reduce((y, f) => f(y), h));
    },
    lowShape: [lowSide, lowSide, 32],
    featureDim: 256,
  };
}

export default definePlugin<'backbone', Options>({
  kind: 'backbone',
  name: 'face-resnet',
  description: "face-api's face-recognition ResNet (dlib's, trained for face identity), pretrained from the weights in its npm package (nothing to download); pretrained: false trains the same net from scratch.",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { pretrained: faceApiPretrainedOption('face-recognition') },
  },
  create(o, ctx) {
    const net = buildFaceResnet(ctx.seed('backbone'), ctx.imageSize);
    if (o.pretrained) {
      const file = FACE_RECOGNITION_WEIGHTS();
      // face-api calls a convolution's kernel "filters"; its identity head (fc) has no place in a backbone.
      const n = loadPretrained(file, net.params, 'backbone', { rename: (key) => key.replace(/\/kernel$/, '/filters'), exactly: { except: ['fc'] } });
      ctx.log(`backbone face-resnet: ${n} tensors from face-api's face-recognition net (${file})`);
    }
    return net;
  },
});
