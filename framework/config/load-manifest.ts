import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { substituteEnv } from './env-substitution.js';
import { readJsonFile } from './json-file.js';
import { deepMerge, isPlainObject, parseSetValue, setPath } from './json-path.js';

export interface LoadOptions {
  /** `key.path=value` strings from `--set`. */
  sets?: string[];
  env?: NodeJS.ProcessEnv;
}

export interface LoadedManifest {
  file: string;
  /** The manifest after extends, overrides and ${VAR} substitution; not yet validated. */
  raw: Record<string, unknown>;
  /** Absolute plugin directories the manifest (or its base) lists, resolved from the declaring file. */
  pluginDirs: string[];
  /** The key paths the command line set (--set key.path=value), in order: errors they caused can say so. */
  setKeys: string[];
}

function readObject(file: string): Record<string, unknown> {
  const json = readJsonFile(file);
  if (!isPlainObject(json)) throw new InputError(`${file}: at /: a manifest must be a JSON object, not ${Array.isArray(json) ? 'an array' : typeof json}.`);
  return json;
}

function pluginDirsOf(obj: Record<string, unknown>, file: string): string[] {
  const list = obj.plugins;
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.some((p) => typeof p !== 'string')) {
    throw new InputError(`${file}: at /plugins: must be a list of directory paths (strings), relative to the manifest.`);
  }
  return (list as string[]).map((p) => resolve(dirname(file), p));
}

/** Loads a manifest: one level of `extends`, then `--set` overrides, then ${VAR} substitution. */
export function loadManifest(path: string, opts: LoadOptions = {}): LoadedManifest {
  const file = resolve(path);
  let raw = readObject(file);
  let pluginDirs = pluginDirsOf(raw, file);
  if (raw.extends !== undefined) {
    if (typeof raw.extends !== 'string') throw new InputError(`${file}: at /extends: must be a path (string) to a base manifest, relative to this file.`);
    const baseFile = resolve(dirname(file), raw.extends);
    if (baseFile === file) throw new InputError(`${file}: at /extends: a manifest cannot extend itself.`);
    let base: Record<string, unknown>;
    try {
      base = readObject(baseFile);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(`${file}: at /extends: cannot load the base manifest: ${e.message}`);
      throw e;
    }
    if (base.extends !== undefined) {
      throw new InputError(`${file}: at /extends: ${baseFile} itself has "extends"; only one level is allowed. Merge the two bases into one file.`);
    }
    pluginDirs = [...pluginDirsOf(base, baseFile), ...pluginDirs];
    const { extends: _drop, ...own } = raw;
    raw = deepMerge(base, own) as Record<string, unknown>;
  }
  const setKeys: string[] = [];
  for (const set of opts.sets ?? []) {
    const eq = set.indexOf('=');
    if (eq <= 0) throw new InputError(`--set ${set}: expected key.path=value (for example --set train.epochs=3).`);
    setKeys.push(set.slice(0, eq));
    setPath(raw, set.slice(0, eq), parseSetValue(set.slice(eq + 1)));
  }
  delete raw.plugins;
  raw = substituteEnv(raw, file, opts.env) as Record<string, unknown>;
  return { file, raw, pluginDirs, setKeys };
}
