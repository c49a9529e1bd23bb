import * as tf from '@tensorflow/tfjs';
import { definePlugin, globalAvgPool, loadPretrained, ParamBuilder, relu } from '../../../framework/index.js';
import type { Backbone } from '../../../framework/index.js';
import { faceApiInput, faceApiPretrainedOption, faceApiWeights } from '../face-api-common/face-api-weights.js';

interface Options {
  pretrained: boolean;
}

export const FACE_EXPRESSION_WEIGHTS = () => faceApiWeights('face_expression_model');

type Fwd = (x: tf.Tensor4D) => tf.Tensor4D;

/** The four dense blocks' output channels (each block halves the side). */
const WIDTHS = [32, 64, 128, 256];

/**
 * face-api's face-expression net without its 7-way head: the feature extractor of four "dense
 * blocks" of four convolutions each (a 3×3/2 convolution in the first block, depthwise-separable
 * ones after it), every convolution's input the ReLU of the sum of the block's earlier outputs.
 * Res_low = the first block (32 channels at half the input side); Res_up = the other three and
 * global average pooling (256 features; face-api's 7×7 average pool at its 112-px input is the
 * same thing). Variable names are face-api's, so its weights load by name, every tensor checked.
 */
function buildFaceExpression(seed: number, imageSize: number): Backbone {
  const pb = new ParamBuilder('backbone', seed);
  const block = (name: string, cin: number, cout: number, first: boolean): Fwd => {
    const conv0 = first ? pb.conv(`${name}/conv0`, 3, cin, cout, 2, 'same', true) : pb.separableConv(`${name}/conv0`, 3, cin, cout, 2);
    const [conv1, conv2, conv3] = [1, 2, 3].map((i) => pb.separableConv(`${name}/conv${i}`, 3, cout, cout, 1));
    return (x) => {
      const out1 = relu(conv0(x));
      const out2 = conv1(out1);
      const out3 = conv2(relu(tf.add(out1, out2) as tf.Tensor4D));
      const out4 = conv3(relu(tf.addN([out1, out2, out3]) as tf.Tensor4D));
      return relu(tf.addN([out1, out2, out3, out4]) as tf.Tensor4D);
    };
  };
  const blocks = WIDTHS.map((c, i) => block(`dense${i}`, i === 0 ? 3 : WIDTHS[i - 1], c, i === 0));
  const low = Math.ceil(imageSize / 2);
  return {
    params: pb.params,
    low: (x) => blocks[0](faceApiInput(x)),
    up: (h) => globalAvgPool(blocks.slice(1).reduce((y, f) => f(y), h)),
    lowShape: [low, low, WIDTHS[0]],
    featureDim: WIDTHS[3],
  };
}

export default definePlugin<'backbone', Options>({
  kind: 'backbone',
  name: 'face-expression',
  description: "face-api's face-expression net without its head (four dense blocks of separable convolutions, trained on facial expressions), pretrained from the weights in its npm package (nothing to download); pretrained: false trains the same net from scratch.",
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { pretrained: faceApiPretrainedOption('face-expression') },
  },
  create(o, ctx) {
    const net = buildFaceExpression(ctx.seed('backbone'), ctx.imageSize);
    if (o.pretrained) {
      const file = FACE_EXPRESSION_WEIGHTS();
      // face-api's names: a convolution's kernel is "filters", a separable one's factors
      // "depthwise_filter" and "pointwise_filter"; its 7-way expression head (fc) has no place in a backbone.
      const rename = (key: string) => key.replace(/\/kernel$/, '/filters').replace(/\/(depthwise|pointwise)_kernel$/, '/$1_filter');
      const n = loadPretrained(file, net.params, 'backbone', { rename, exactly: { except: ['fc/weights', 'fc/bias'] } });
      ctx.log(`backbone face-expression: ${n} tensors from face-api's face-expression net (${file})`);
    }
    return net;
  },
});
