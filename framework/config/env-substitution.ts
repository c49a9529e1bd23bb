import { InputError } from '../errors.js';
import { isPlainObject, pointer } from './json-path.js';

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` inside every string of the manifest (data roots such as
 * `${FER_DATA}/CK+`). An unset variable without a default is an error naming the JSON path.
 */
export function substituteEnv(value: unknown, file: string, env: NodeJS.ProcessEnv = process.env, at: (string | number)[] = []): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      throw new InputError(
        `${file}: at ${pointer(at)}: environment variable ${name} is not set. ` +
          `Set it (for example \`export ${name}=/path/to/data\`), or write \${${name}:-default} to give a default.`,
      );
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, file, env, [...at, i]));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, file, env, [...at, k]);
    return out;
  }
  return value;
}
