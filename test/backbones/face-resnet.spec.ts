import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FerModel } from '../../framework/engine/model.js';
import { FACE_RECOGNITION_WEIGHTS, faceResnetSides } from '../../plugins/backbones/face-resnet/plugin.js';
import { useWasm } from '../helpers/backend.js';
import { buildBackbone, inferenceState } from '../helpers/model.js';

const require = createRequire(import.meta.url);

const backbone = (options: Record<string, unknown>, imageSize: number, log?: (l: string) => void) => buildBackbone('face-resnet', options, imageSize, log);
const state = inferenceState;

describe("the face-resnet backbone: face-api's face-recognition net, pretrained from the installed package", function () {
  this.timeout(60_000);
  before(useWasm);

  it("with its weights, Res_up(Res_low(x)) followed by face-api's identity head gives face-api's own 128-d descriptor", async () => {
    const logs: string[] = [];
    const net = await backbone({}, 150, (l) => logs.push(l));
    const manifest = JSON.parse(readFileSync(FACE_RECOGNITION_WEIGHTS(), 'utf8')) as { weights: unknown[] }[];
    const inFile = manifest.reduce((a, g) => a + g.weights.length, 0);
    assert.match(logs.join('\n'), new RegExp(`${inFile - 1} tensors from face-api's face-recognition net`), 'every tensor but the identity head');
    assert.equal(net.params.trainable.size, inFile - 1);
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
    const frn = faceapi.nets.faceRecognitionNet;
    await frn.loadFromDisk(join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model'));
    // A 150-px image with structure (a smooth colour gradient and a disc), as uint8 RGB.
    const px = new Uint8Array(150 * 150 * 3);
    for (let y = 0; y < 150; y++) for (let x = 0; x < 150; x++) {
      const inDisc = (x - 75) ** 2 + (y - 70) ** 2 < 40 ** 2;
      px.set([inDisc ? 210 : x + 40, inDisc ? 170 : y + 30, inDisc ? 140 : 255 - x], (y * 150 + x) * 3);
    }
    const theirs = (await frn.computeFaceDescriptor(tf.tensor3d(px, [150, 150, 3], 'int32'))) as Float32Array;
    const ours = tf.tidy(() => {
      const x = FerModel.normalize(tf.tensor4d(px, [1, 150, 150, 3], 'float32'));
      return tf.matMul(net.up(net.low(x, state()), state()), frn.params.fc).dataSync();
    });
    const scale = Math.max(...theirs.map(Math.abs));
    const err = Math.max(...theirs.map((v, i) => Math.abs(v - ours[i])));
    assert.ok(err / scale < 1e-3, `max difference ${err} (descriptor scale ${scale})`);
    assert.deepEqual(net.lowShape, [faceResnetSides(150).low, faceResnetSides(150).low, 32]);
    assert.deepEqual(net.low(FerModel.normalize(tf.zeros([1, 150, 150, 3])), state()).shape.slice(1), net.lowShape);
    frn.dispose?.();
  });

  it('pretrained: false is the same architecture with random weights (the ablation)', async () => {
    const a = await backbone({ pretrained: false }, 112);
    const b = await backbone({}, 112);
    assert.deepEqual([...a.params.trainable.keys()], [...b.params.trainable.keys()]);
    const name = 'backbone/conv32_down/conv/kernel';
    assert.notDeepEqual(Array.from(a.params.trainable.get(name)!.dataSync().slice(0, 8)), Array.from(b.params.trainable.get(name)!.dataSync().slice(0, 8)));
  });

  it('an image size too small for its five downsamplings is an input error naming the least size', async () => {
    await assert.rejects(backbone({ pretrained: false }, 80), /an input of 80 px is too small .* use imageSize 103 or more/);
    assert.equal(faceResnetSides(103).smallest, 3);
    assert.equal(faceResnetSides(102).smallest, 2);
    const net = await backbone({ pretrained: false }, 103);
    const s = { training: false, updates: [] };
    // Every block's body still has output pixels: no empty convolution anywhere.
    assert.deepEqual(net.up(net.low(tf.zeros([1, 103, 103, 3]), s), s).shape, [1, 256]);
  });
});
