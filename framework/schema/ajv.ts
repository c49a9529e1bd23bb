import { Ajv, type ErrorObject, type KeywordDefinition, type ValidateFunction } from 'ajv';
import type { JsonSchema, PluginDefinition } from '../plugin/contract.js';

export type { ErrorObject, KeywordDefinition, ValidateFunction };
export type AjvInstance = Ajv;

/**
 * One ajv configuration for the whole framework: defaults written back, no coercion, strict schemas.
 * `pluginRef` marks a plugin reference in the envelope schema. Without a definition it is a plain
 * annotation; the manifest resolver passes one that validates the reference against the plugin.
 */
export function createAjv(pluginRef?: KeywordDefinition): Ajv {
  const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: true, allowUnionTypes: true, verbose: true });
  ajv.addKeyword(pluginRef ?? { keyword: 'pluginRef', schemaType: 'string' });
  return ajv;
}

const pluginAjv = createAjv();
const cache = new WeakMap<PluginDefinition, ValidateFunction>();

/** The cached validator of a plugin's options (ESLint-style: compiled once per plugin). */
export function pluginValidator(def: PluginDefinition): ValidateFunction {
  const cached = cache.get(def);
  if (cached) return cached;
  let v: ValidateFunction;
  try {
    v = pluginAjv.compile(def.optionsSchema as JsonSchema);
  } catch (e) {
    throw new Error(`plugin ${def.kind}/${def.name}: its optionsSchema is not a valid JSON Schema: ${(e as Error).message}`);
  }
  cache.set(def, v);
  return v;
}
