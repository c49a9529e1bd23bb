import { definePlugin } from '../../../framework/index.js';

/** No φ: F(x) = Res_up(Res_low(x)), and L_noisy is dropped (M_Res, M_ResAdv). */
export default definePlugin<'attention', Record<string, never>>({
  kind: 'attention',
  name: 'none',
  description: 'No attention module: F(x) = Res_up(Res_low(x)); L_noisy is dropped.',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create: () => null,
});
