import { relative } from 'node:path';
import { PLUGIN_KINDS, type PluginKind } from '../plugin/contract.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { InputError } from '../errors.js';
import { didYouMean } from '../plugin/did-you-mean.js';

function typeOf(s: Record<string, any>): string {
  if (s.enum) return s.enum.map((v: unknown) => JSON.stringify(v)).join('|');
  if (Array.isArray(s.type)) return s.type.join('|');
  if (s.type === 'array' && s.items) return `${typeOf(s.items)}[]`;
  return s.type ?? 'any';
}

/** `fer-run plugins`: kinds, names, descriptions and an option table per plugin. */
export function describePlugins(registry: PluginRegistry, onlyKind?: string): string {
  if (onlyKind && !PLUGIN_KINDS.includes(onlyKind as PluginKind)) {
    throw new InputError(`--kind ${onlyKind}: no such kind.${didYouMean(onlyKind, PLUGIN_KINDS)} Kinds: ${PLUGIN_KINDS.join(', ')}.`);
  }
  const out: string[] = [];
  for (const kind of PLUGIN_KINDS.filter((k) => !onlyKind || k === onlyKind)) {
    out.push(`${kind.toUpperCase()} plugins`);
    for (const name of registry.names(kind)) {
      const def = registry.get(kind, name);
      out.push(`  ${name}  — ${def.description}`, `    (${relative(process.cwd(), registry.fileOf(kind, name) ?? '')})`);
      const props = Object.entries((def.optionsSchema.properties ?? {}) as Record<string, Record<string, any>>);
      for (const [key, s] of props) {
        const dflt = s.default !== undefined ? ` = ${JSON.stringify(s.default)}` : '';
        out.push(`      ${key}: ${typeOf(s)}${dflt}${s.description ? `  ${s.description}` : ''}`);
      }
    }
    out.push('');
  }
  return out.join('\n');
}
