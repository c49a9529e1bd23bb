import type { ErrorObject } from 'ajv';
import { didYouMean } from '../plugin/did-you-mean.js';

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return String(v);
}

/** A JSON pointer that never reads as empty: the root is "/". */
export function at(instancePath: string): string {
  return instancePath === '' ? '/' : instancePath;
}

/** Picks the most useful of ajv's errors: the deepest one that is not a summary of alternatives. */
export function mostSpecific(errors: readonly ErrorObject[]): ErrorObject {
  const concrete = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if');
  const pool = concrete.length ? concrete : errors;
  // Errors inside a plugin's options (deeper paths) say more than the "must be null" of an anyOf branch.
  return [...pool].sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length || (a.keyword === 'type' ? 1 : 0) - (b.keyword === 'type' ? 1 : 0))[0];
}

/** One sentence for one ajv error: the JSON path, what was expected, what was found, a hint. */
export function formatAjvError(e: ErrorObject): string {
  return `at ${at(e.instancePath)}: ${explainAjvError(e)}`;
}

/** What formatAjvError says after the JSON path: what was expected, what was found, a hint. */
export function explainAjvError(e: ErrorObject): string {
  const p = e.params as Record<string, any>;
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    return `key "${propertyName}" is not allowed here${p.pattern ? ` (keys must match ${p.pattern})` : ''}.`;
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as any)?.properties ?? {});
      const key = String(p.additionalProperty);
      return `unknown key "${key}".${didYouMean(key, allowed)} Allowed keys: ${allowed.join(', ') || '(none)'}.`;
    }
    case 'required':
      return `missing required key "${p.missingProperty}".`;
    case 'type':
      return `must be ${p.type}, got ${describe(e.data)}.`;
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => JSON.stringify(v));
      const hint = typeof e.data === 'string' ? didYouMean(e.data, (p.allowedValues as unknown[]).map(String)) : '';
      return `must be one of ${allowed.join(', ')}, got ${describe(e.data)}.${hint}`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${p.comparison} ${p.limit}, got ${describe(e.data)}.`;
    case 'pattern':
      return `${describe(e.data)} does not match the pattern ${p.pattern}.`;
    case 'propertyNames':
      return `key ${JSON.stringify(p.propertyName)} is not allowed here.`;
    default:
      return `${e.message ?? e.keyword}${e.data !== undefined && typeof e.data !== 'object' ? `, got ${describe(e.data)}` : ''}.`;
  }
}
