import { resolve } from 'node:path';
import { loadPretrained } from '../../../framework/index.js';
import type { Backbone, BuildContext } from '../../../framework/index.js';

export const pretrainedSchema = {
  type: ['string', 'null'],
  default: null,
  description: 'Path of a tfjs model.json with ImageNet weights (Keras layer names); null trains from scratch.',
} as const;

/** Loads `pretrained` into a freshly built backbone, when given. */
export function withPretrained(backbone: Backbone, pretrained: string | null, ctx: BuildContext): Backbone {
  if (pretrained) {
    const n = loadPretrained(resolve(pretrained), backbone.params, 'backbone');
    ctx.log(`loaded ${n} pretrained tensors from ${pretrained}`);
  }
  return backbone;
}
