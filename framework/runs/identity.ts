import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import type { PluginRegistry } from '../plugin/registry.js';

/** What a worker compares before it takes a cell: results are only comparable between the same fer-run and plugins. */
export interface FerRunIdentity {
  version: string;
  /** kind/name of every plugin, sorted. */
  plugins: string[];
}

export const FER_RUN_VERSION: string = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version;

export function ferRunIdentity(registry: PluginRegistry): FerRunIdentity {
  return { version: FER_RUN_VERSION, plugins: registry.all().map((p) => `${p.definition.kind}/${p.definition.name}`).sort() };
}

/** Why `theirs` cannot run on `ours`, or null when they match. */
export function identityMismatch(ours: FerRunIdentity, theirs: FerRunIdentity): string | null {
  if (ours.version !== theirs.version) return `the job was submitted by fer-run ${theirs.version}, this worker is fer-run ${ours.version}`;
  const missing = theirs.plugins.filter((p) => !ours.plugins.includes(p));
  const extra = ours.plugins.filter((p) => !theirs.plugins.includes(p));
  if (missing.length || extra.length) {
    return `the plugin sets differ (${[missing.length ? `the submitter has ${missing.join(', ')}, this worker does not` : '', extra.length ? `this worker has ${extra.join(', ')}, the submitter does not` : ''].filter(Boolean).join('; ')})`;
  }
  return null;
}
