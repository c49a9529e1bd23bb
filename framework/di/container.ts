import { Container, ContainerModule } from 'inversify';
import type { LoadedPlugin } from '../plugin/contract.js';
import { PluginRegistry } from '../plugin/registry.js';

/** Service identifiers. Symbols, not classes: the framework uses inversify without decorators. */
export const TOKENS = {
  Plugin: Symbol.for('fer-run.Plugin'),
  Registry: Symbol.for('fer-run.PluginRegistry'),
} as const;

/** Each discovered plugin is its own ContainerModule, so a plugin set can be loaded and unloaded as a unit. */
export function pluginModule(plugin: LoadedPlugin): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind<LoadedPlugin>(TOKENS.Plugin).toConstantValue(plugin);
  });
}

/** The container: plugin modules plus the registry, resolved from every bound plugin. */
export function createContainer(plugins: readonly LoadedPlugin[]): Container {
  const container = new Container();
  container.load(...plugins.map(pluginModule));
  container
    .bind<PluginRegistry>(TOKENS.Registry)
    .toDynamicValue((ctx) => new PluginRegistry(ctx.getAll<LoadedPlugin>(TOKENS.Plugin, { optional: true }) ?? []))
    .inSingletonScope();
  return container;
}

export function registryOf(container: Container): PluginRegistry {
  return container.get<PluginRegistry>(TOKENS.Registry);
}
