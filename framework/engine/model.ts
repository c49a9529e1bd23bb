import * as tf from '@tensorflow/tfjs';
import { relu } from './kernels/activation.js';
import { occlusionGate } from './kernels/attention-gate.js';
import { ParamBuilder, disposeParams, mergeParams } from './layers.js';
import type { Attention, Backbone, Discriminator, ForwardState, ParamSet } from './modules.js';

/** The roles the engine updates separately (Lightning-style: the model exposes, the engine loops). */
export type Role = 'extractor' | 'attention' | 'classifier' | 'discriminator';

export interface ForwardOutput {
  features: tf.Tensor2D;
  logits: tf.Tensor2D;
  /** φ's logits at Res_low's resolution, or null without attention. */
  maskLogits: tf.Tensor4D | null;
}

/**
 * The paper's network: F(x) = Res_up(Res_low(x) ⊙ (1 − φ(Res_low(x)))), expression classifier R,
 * and feature discriminator D^F. Attention and discriminator are optional (the four variants).
 */
export class FerModel {
  readonly classifier: ParamSet;
  private readonly classify: (f: tf.Tensor2D) => tf.Tensor2D;

  constructor(
    readonly backbone: Backbone,
    readonly attention: Attention | null,
    readonly discriminator: Discriminator | null,
    readonly numClasses: number,
    hidden: readonly number[],
    seed: number,
  ) {
    const pb = new ParamBuilder('classifier', seed);
    const layers: ((x: tf.Tensor2D) => tf.Tensor2D)[] = [];
    let width = backbone.featureDim;
    hidden.forEach((h, i) => {
      const d = pb.dense(`fc${i + 1}`, width, h);
      layers.push((x) => relu(d(x)));
      width = h;
    });
    layers.push(pb.dense('logits', width, numClasses));
    this.classifier = pb.params;
    this.classify = (f) => layers.reduce((x, l) => l(x), f);
  }

  /** Variables by role; a role the variant does not have owns no variables. */
  params(role: Role): ParamSet {
    switch (role) {
      case 'extractor':
        return this.backbone.params;
      case 'attention':
        return this.attention?.params ?? { trainable: new Map(), state: new Map() };
      case 'classifier':
        return this.classifier;
      case 'discriminator':
        return this.discriminator?.params ?? { trainable: new Map(), state: new Map() };
    }
  }

  /** Every variable of the model by name, trained and kept (batch-norm statistics): what a checkpoint holds. */
  variables(): Map<string, tf.Variable> {
    const all = this.allParams();
    return new Map([...all.trainable, ...all.state]);
  }

  allParams(): ParamSet {
    return mergeParams(this.params('extractor'), this.params('attention'), this.params('classifier'), this.params('discriminator'));
  }

  /** Images 0–255 → [−1, 1]. */
  static normalize(images: tf.Tensor4D): tf.Tensor4D {
    return tf.sub(tf.div(images, 127.5), 1) as tf.Tensor4D;
  }

  forward(x: tf.Tensor4D, s: ForwardState): ForwardOutput {
    const low = this.backbone.low(x, s);
    let maskLogits: tf.Tensor4D | null = null;
    let h = low;
    if (this.attention) {
      maskLogits = this.attention.logits(low, s);
      h = occlusionGate(low, maskLogits);
    }
    const features = this.backbone.up(h, s);
    return { features, logits: this.classify(features), maskLogits };
  }

  dispose(): void {
    disposeParams(this.allParams());
  }
}
