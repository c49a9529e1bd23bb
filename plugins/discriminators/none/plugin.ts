import { definePlugin } from '../../../framework/index.js';

/** No D: no adversarial step, and L_F is dropped (M_Res, M_ResAtt). */
export default definePlugin<'discriminator', Record<string, never>>({
  kind: 'discriminator',
  name: 'none',
  description: 'No feature discriminator: no D-step; L_F and L_D are dropped.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => null,
});
