import { existsSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fg from 'fast-glob';
import { InputError } from '../errors.js';
import { PLUGIN_KINDS, type LoadedPlugin, type PluginDefinition } from './contract.js';

/** The project's own plugins folder: ../../plugins from this file, in the sources and in dist/. */
export const PROJECT_PLUGIN_DIR = fileURLToPath(new URL('../../plugins', import.meta.url));

function checkDefinition(def: unknown, file: string): PluginDefinition {
  const d = def as Partial<PluginDefinition> | undefined;
  const problems: string[] = [];
  if (!d || typeof d !== 'object') problems.push('the default export is not an object (export default definePlugin({...}))');
  else {
    if (!PLUGIN_KINDS.includes(d.kind as never)) problems.push(`"kind" must be one of ${PLUGIN_KINDS.join(', ')}`);
    if (typeof d.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(d.name)) problems.push('"name" must be a lower-case kebab-case string');
    if (typeof d.description !== 'string') problems.push('"description" must be a string');
    if (!d.optionsSchema || typeof d.optionsSchema !== 'object') problems.push('"optionsSchema" must be a JSON Schema object');
    if (typeof d.create !== 'function') problems.push('"create" must be a function (options, ctx) => product');
  }
  if (problems.length) throw new InputError(`${file}: not a valid fer-run plugin: ${problems.join('; ')}.`);
  return d as PluginDefinition;
}

/** Imports one plugin file and checks its definition: how every thread loads a plugin. */
export async function importPlugin(file: string): Promise<LoadedPlugin> {
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    const hint = file.endsWith('.ts') ? ' (TypeScript plugins load when fer-run runs under tsx; compile it to .js otherwise)' : '';
    throw new InputError(`${relative(process.cwd(), file) || file}: cannot load the plugin${hint}: ${(e as Error).message}`);
  }
  return { definition: checkDefinition(mod.default, file), file };
}

/**
 * Finds `plugin.{js,ts}` files under the project's plugins/ and the given user directories, and
 * imports them. Only these directories are ever searched: a manifest cannot name a file to load.
 */
export async function discoverPlugins(userDirs: readonly string[] = []): Promise<LoadedPlugin[]> {
  const dirs = [PROJECT_PLUGIN_DIR, ...userDirs.map((d) => resolve(d))];
  const loaded: LoadedPlugin[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new InputError(`plugin directory ${dir} does not exist. Check the --plugins argument or the manifest's "plugins" list (paths there are relative to the manifest).`);
    }
    const files = (await fg('**/plugin.{js,ts}', { cwd: dir, absolute: true, ignore: ['**/node_modules/**', '**/*.d.ts'] })).sort();
    for (const file of files) loaded.push(await importPlugin(file));
  }
  return loaded;
}
