import type { Container } from 'inversify';
import { createContainer, registryOf } from '../di/container.js';
import { loadManifest, type LoadOptions } from '../config/load-manifest.js';
import { resolveManifest, type ResolvedManifest } from '../config/resolve-manifest.js';
import { scheduleWarnings } from '../config/schedule-check.js';
import { discoverPlugins } from '../plugin/discovery.js';
import type { PluginRegistry } from '../plugin/registry.js';

/** The registry for the project's plugins plus user directories. */
export async function loadRegistry(pluginDirs: readonly string[] = []): Promise<PluginRegistry> {
  return registryOf(createContainer(await discoverPlugins(pluginDirs)));
}

/**
 * Load → discover (project + --plugins + the manifest's "plugins") → validate and resolve. Returns
 * the container the plugins are bound in (a run binds its services there too) and the plugin
 * directories beyond the project's, for runners that must load the same plugins. Warnings about a
 * valid but likely mistaken manifest go to stderr.
 */
export async function loadExperiment(
  file: string,
  opts: LoadOptions & { pluginDirs?: string[] },
): Promise<{ resolved: ResolvedManifest; registry: PluginRegistry; container: Container; pluginDirs: string[] }> {
  const loaded = loadManifest(file, opts);
  const pluginDirs = [...(opts.pluginDirs ?? []), ...loaded.pluginDirs];
  const container = createContainer(await discoverPlugins(pluginDirs));
  const registry = registryOf(container);
  const resolved = resolveManifest(loaded, registry);
  for (const w of scheduleWarnings(resolved)) process.stderr.write(`fer-run: warning: ${w}\n`);
  return { resolved, registry, container, pluginDirs };
}
