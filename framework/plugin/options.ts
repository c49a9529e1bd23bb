import type { ErrorObject } from 'ajv';
import { pluginValidator } from '../schema/ajv.js';
import type { PluginDefinition } from './contract.js';

/**
 * A plugin's options made ready for create(): validated against its options schema (defaults
 * written in, on `options` itself), then passed through its resolveOptions (sizes given at the
 * paper's 100-px scale become the run's). The one place this happens, for manifests and for
 * plugins built by reference alike.
 */
export function resolvePluginOptions(
  def: PluginDefinition,
  options: Record<string, unknown>,
  imageSize: number,
): { ok: true; options: Record<string, unknown> } | { ok: false; errors: ErrorObject[] } {
  const v = pluginValidator(def);
  if (!v(options)) return { ok: false, errors: v.errors ?? [] };
  return { ok: true, options: def.resolveOptions ? (def.resolveOptions(options, { imageSize }) as Record<string, unknown>) : options };
}
