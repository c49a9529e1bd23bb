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

/**
 * fer-run from its sources runs under a TypeScript loader already; the compiled fer-run (dist/,
 * what `npx fer-run` runs) registers tsx's loader on its first TypeScript plugin, so a plugin
 * written as the README shows loads either way, in every process that imports plugins.
 */
const LOADS_TYPESCRIPT = import.meta.url.endsWith('.ts');
let typescriptLoader: Promise<unknown> | null = null;

async function loadTypeScript(): Promise<void> {
  if (LOADS_TYPESCRIPT) return;
  // Both hooks, as the tsx command registers them: a .ts file outside an ES-module package is
  // CommonJS to Node, and goes through the require() hook.
  typescriptLoader ??= Promise.all([import('tsx/esm/api').then((tsx) => tsx.register()), import('tsx/cjs/api').then((tsx) => tsx.register())]);
  await typescriptLoader;
}

/** Imports one plugin file and checks its definition: how every thread loads a plugin. */
export async function importPlugin(file: string): Promise<LoadedPlugin> {
  let mod: { default?: unknown };
  try {
    if (file.endsWith('.ts')) await loadTypeScript();
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    throw new InputError(`${relative(process.cwd(), file) || file}: cannot load the plugin: ${(e as Error).message}`);
  }
  // A CommonJS module (a plugin compiled to CJS, or TypeScript outside an ES-module package)
  // arrives as { default: module.exports }, its own default export one level down.
  const exported = mod.default as { __esModule?: boolean; default?: unknown } | undefined;
  return { definition: checkDefinition(exported?.__esModule ? exported.default : exported, file), file };
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
