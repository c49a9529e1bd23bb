import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ParamBuilder } from '../../framework/engine/layers.js';
import { FerModel } from '../../framework/engine/model.js';
import { FACE_EXPRESSION_WEIGHTS } from '../../plugins/backbones/face-expression/plugin.js';
import { useWasm } from '../helpers/backend.js';
import { buildBackbone, inferenceState } from '../helpers/model.js';

const require = createRequire(import.meta.url);

const backbone = (options: Record<string, unknown>, imageSize: number, log?: (l: string) => void) => buildBackbone('face-expression', options, imageSize, log);
const state = inferenceState;

describe("the face-expression backbone: face-api's face-expression net, pretrained from the installed package", function () {
  this.timeout(60_000);
  before(useWasm);

  it("with its weights, Res_up(Res_low(x)) followed by face-api's expression head gives face-api's own expression probabilities", async () => {
    const logs: string[] = [];
    const net = await backbone({}, 112, (l) => logs.push(l));
    const manifest = JSON.parse(readFileSync(FACE_EXPRESSION_WEIGHTS(), 'utf8')) as { weights: unknown[] }[];
    const inFile = manifest.reduce((a, g) => a + g.weights.length, 0);
    assert.match(logs.join('\n'), new RegExp(`${inFile - 2} tensors from face-api's face-expression net`), 'every tensor but the 2 of the head');
    assert.equal(net.params.trainable.size, inFile - 2);
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    const fen = faceapi.nets.faceExpressionNet;
    await fen.loadFromDisk(join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model'));
    // A 112-px image with structure (a smooth colour gradient and a disc), as uint8 RGB.
    const px = new Uint8Array(112 * 112 * 3);
    for (let y = 0; y < 112; y++) for (let x = 0; x < 112; x++) {
      const inDisc = (x - 56) ** 2 + (y - 50) ** 2 < 30 ** 2;
      px.set([inDisc ? 210 : x + 60, inDisc ? 170 : 2 * y, inDisc ? 140 : 255 - 2 * x], (y * 112 + x) * 3);
    }
    const theirs = (await fen.predictExpressions(tf.tensor3d(px, [112, 112, 3], 'int32'))) as number[] | Float32Array;
    const ours = tf.tidy(() => {
      const x = FerModel.normalize(tf.tensor4d(px, [1, 112, 112, 3], 'float32'));
      const logits = tf.add(tf.matMul(net.up(net.low(x, state()), state()), fen.params.fc.weights), fen.params.fc.bias);
      return tf.softmax(logits as tf.Tensor2D).dataSync();
    });
    assert.equal(ours.length, 7);
    const err = Math.max(...Array.from(theirs, (v, i) => Math.abs(v - ours[i])));
    assert.ok(err < 1e-4, `max difference ${err}: ${Array.from(theirs)} vs ${Array.from(ours)}`);
    assert.ok(Math.max(...Array.from(theirs)) < 0.999, 'the test image does not saturate the softmax (the comparison would say little)');
    assert.deepEqual(net.lowShape, [56, 56, 32]);
    assert.deepEqual(net.low(FerModel.normalize(tf.zeros([1, 112, 112, 3])), state()).shape.slice(1), net.lowShape);
    fen.dispose?.();
  });

  it('pretrained: false is the same architecture with random weights (the ablation), at any input size', async () => {
    const a = await backbone({ pretrained: false }, 64);
    const b = await backbone({}, 64);
    assert.deepEqual([...a.params.trainable.keys()], [...b.params.trainable.keys()]);
    const name = 'backbone/dense1/conv0/depthwise_kernel';
    assert.notDeepEqual(Array.from(a.params.trainable.get(name)!.dataSync().slice(0, 8)), Array.from(b.params.trainable.get(name)!.dataSync().slice(0, 8)));
    const s = state();
    assert.deepEqual(a.lowShape, [32, 32, 32]);
    assert.deepEqual(a.up(a.low(tf.zeros([2, 64, 64, 3]), s), s).shape, [2, 256]);
  });

  it("ParamBuilder's separable convolution: tfjs's separableConv2d and its gradients for both factors, stride 1 and 2", async () => {
    for (const stride of [1, 2]) {
      const pb = new ParamBuilder('t', 11 + stride);
      const conv = pb.separableConv('sep', 3, 12, 20, stride);
      const [dw, pw, bias] = ['t/sep/depthwise_kernel', 't/sep/pointwise_kernel', 't/sep/bias'].map((n) => pb.params.trainable.get(n)!);
      bias.assign(tf.randomNormal([20], 0, 1, 'float32', 3));
      const x = tf.randomNormal([2, 9, 9, 12], 0, 1, 'float32', 5) as tf.Tensor4D;
      const w = tf.randomNormal(stride === 1 ? [2, 9, 9, 20] : [2, 5, 5, 20], 0, 1, 'float32', 6);
      // Ours, on wasm through fer-run's convolution kernels.
      const ours = tf.variableGrads(() => tf.sum(tf.mul(conv(x), w)) as tf.Scalar, [dw, pw, bias]);
      const oursOut = conv(x).dataSync();
      // The reference: tfjs's separable convolution, differentiated by tfjs on the cpu backend (wasm has no depthwise gradients).
      await tf.setBackend('cpu');
      try {
        const ref = (d: tf.Tensor, p: tf.Tensor, b: tf.Tensor) => tf.add(tf.separableConv2d(x, d as tf.Tensor4D, p as tf.Tensor4D, stride, 'same'), b);
        const refOut = ref(dw, pw, bias).dataSync();
        const theirs = tf.grads((d, p, b) => tf.sum(tf.mul(ref(d, p, b), w)))([dw, pw, bias]);
        const pairs: [string, ArrayLike<number>, ArrayLike<number>][] = [
          ['output', refOut, oursOut],
          ['depthwise gradient', theirs[0].dataSync(), ours.grads[dw.name].dataSync()],
          ['pointwise gradient', theirs[1].dataSync(), ours.grads[pw.name].dataSync()],
          ['bias gradient', theirs[2].dataSync(), ours.grads[bias.name].dataSync()],
        ];
        for (const [what, a, b] of pairs) {
          assert.equal(a.length, b.length, what);
          const scale = Math.max(...Array.from(a, Math.abs));
          const err = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
          assert.ok(err / scale < 1e-4, `stride ${stride}, ${what}: relative error ${err / scale}`);
        }
      } finally {
        await useWasm();
      }
    }
  });
});
