import { createContainer, registryOf } from '../di/container.js';
import { loadManifest, type LoadOptions } from '../config/load-manifest.js';
import { resolveManifest, type ResolvedManifest } from '../config/resolve-manifest.js';
import { discoverPlugins } from '../plugin/discovery.js';
import type { PluginRegistry } from '../plugin/registry.js';

/** The registry for the project's plugins plus user directories. */
export async function loadRegistry(pluginDirs: readonly string[] = []): Promise<PluginRegistry> {
  return registryOf(createContainer(await discoverPlugins(pluginDirs)));
}

/** Load → discover (project + --plugins + the manifest's "plugins") → validate and resolve. */
export async function loadExperiment(file: string, opts: LoadOptions & { pluginDirs?: string[] }): Promise<{ resolved: ResolvedManifest; registry: PluginRegistry }> {
  const loaded = loadManifest(file, opts);
  const registry = await loadRegistry([...(opts.pluginDirs ?? []), ...loaded.pluginDirs]);
  return { resolved: resolveManifest(loaded, registry), registry };
}
