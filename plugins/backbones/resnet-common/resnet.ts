import * as tf from '@tensorflow/tfjs';
import { addRelu, globalAvgPool, ParamBuilder } from '../../../framework/index.js';
import type { Backbone, ForwardState } from '../../../framework/index.js';

/**
 * A ResNet split as the paper's eq. 1: Res_low = stem + stage 1, Res_up = stages 2–4 + global
 * average pooling. Variable names follow Keras' ResNet50 (conv2_block1_1_conv/kernel, …) so that a
 * tfjs-converter export of the Keras ImageNet weights loads by name.
 */
export interface ResNetSpec {
  block: 'basic' | 'bottleneck';
  blocks: [number, number, number, number];
  widths: [number, number, number, number];
  stemWidth: number;
  stemKernel: number;
  stemStride: number;
  stemPool: boolean;
  /** Keras' ResNet50 has biases on its convolutions; keep them to load its weights. */
  convBias: boolean;
}

type Fwd = (x: tf.Tensor4D, s: ForwardState) => tf.Tensor4D;

export function buildResNet(spec: ResNetSpec, seed: number, imageSize: number, prefix = 'backbone'): Backbone {
  const pb = new ParamBuilder(prefix, seed);
  const expansion = spec.block === 'bottleneck' ? 4 : 1;

  const convBn = (name: string, k: number, cin: number, cout: number, stride: number, withRelu: boolean, zeroGamma = false): Fwd => {
    const conv = pb.conv(`${name}_conv`, k, cin, cout, stride, 'same', spec.convBias);
    const bn = pb.batchNorm(`${name}_bn`, cout, 0.9, zeroGamma ? 0 : 1);
    return (x, s) => bn(conv(x), s, withRelu);
  };

  const block = (name: string, cin: number, width: number, stride: number): Fwd => {
    const cout = width * expansion;
    const shortcut = stride !== 1 || cin !== cout ? convBn(`${name}_0`, 1, cin, cout, stride, false) : null;
    const body: Fwd[] =
      spec.block === 'basic'
        ? [convBn(`${name}_1`, 3, cin, width, stride, true), convBn(`${name}_2`, 3, width, cout, 1, false)]
        : [
            convBn(`${name}_1`, 1, cin, width, stride, true),
            convBn(`${name}_2`, 3, width, width, 1, true),
            convBn(`${name}_3`, 1, width, cout, 1, false),
          ];
    // Tidied: what no gradient saved (the last batch norm's output, the shortcut's) is freed at
    // the block's end, not when the whole forward pass ends (PyTorch frees it as soon as it is used).
    return (x, s) =>
      tf.tidy(() => {
        let y = x;
        for (const f of body) y = f(y, s);
        return addRelu(y, shortcut ? shortcut(x, s) : x);
      });
  };

  const stage = (index: number, cin: number): { fwd: Fwd; cout: number } => {
    const fs: Fwd[] = [];
    let c = cin;
    for (let b = 0; b < spec.blocks[index]; b++) {
      fs.push(block(`conv${index + 2}_block${b + 1}`, c, spec.widths[index], b === 0 && index > 0 ? 2 : 1));
      c = spec.widths[index] * expansion;
    }
    return { fwd: (x, s) => fs.reduce((y, f) => f(y, s), x), cout: c };
  };

  const stem = convBn('conv1', spec.stemKernel, 3, spec.stemWidth, spec.stemStride, true);
  const stages = [] as { fwd: Fwd; cout: number }[];
  let c = spec.stemWidth;
  for (let i = 0; i < 4; i++) {
    stages.push(stage(i, c));
    c = stages[i].cout;
  }
  let lowSide = Math.ceil(imageSize / spec.stemStride);
  if (spec.stemPool) lowSide = Math.ceil(lowSide / 2);

  return {
    params: pb.params,
    low(x, s) {
      let y = stem(x, s);
      if (spec.stemPool) y = tf.maxPool(y, 3, 2, 'same');
      return stages[0].fwd(y, s);
    },
    up(h, s) {
      let y = h;
      for (let i = 1; i < 4; i++) y = stages[i].fwd(y, s);
      return globalAvgPool(y);
    },
    lowShape: [lowSide, lowSide, stages[0].cout],
    featureDim: stages[3].cout,
  };
}
