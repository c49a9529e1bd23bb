import { Container, ContainerModule } from 'inversify';
import type { BackendInfo } from '../engine/backend.js';
import type { LoadedPlugin } from '../plugin/contract.js';
import { PluginRegistry } from '../plugin/registry.js';
import { systemClock, type Clock } from '../runs/clock.js';
import { DataCache } from '../data/data-cache.js';
import { captureEnvironment } from '../runs/environment.js';
import type { Launcher, RunnerSpec } from '../runs/launcher.js';
import { RecordStore } from '../runs/record-store.js';

/** Service identifiers. Symbols, not classes: the framework uses inversify without decorators. */
export const TOKENS = {
  Plugin: Symbol.for('fer-run.Plugin'),
  Registry: Symbol.for('fer-run.PluginRegistry'),
  Backend: Symbol.for('fer-run.Backend'),
  Logger: Symbol.for('fer-run.Logger'),
  Clock: Symbol.for('fer-run.Clock'),
  RecordStore: Symbol.for('fer-run.RecordStore'),
  DataCache: Symbol.for('fer-run.DataCache'),
  Launcher: Symbol.for('fer-run.Launcher'),
  RunnerSpec: Symbol.for('fer-run.RunnerSpec'),
} as const;

export type Logger = (line: string) => void;

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

export interface RunBindings {
  backend: BackendInfo;
  launcher: Launcher;
  runsDir: string;
  cacheDir: string;
  projectDir: string;
  pluginDirs: readonly string[];
  log: Logger;
}

/**
 * Binds what a run needs beside the plugins: backend, logger, clock, record store, data cache,
 * launcher and how to start runners like this process. The store and the cache are built from the
 * other bindings when first asked for, so a test that rebinds the clock or the logger gets them used.
 */
export function bindRunServices(container: Container, b: RunBindings): Container {
  container.bind<BackendInfo>(TOKENS.Backend).toConstantValue(b.backend);
  container.bind<Launcher>(TOKENS.Launcher).toConstantValue(b.launcher);
  container.bind<Logger>(TOKENS.Logger).toConstantValue(b.log);
  container.bind<Clock>(TOKENS.Clock).toConstantValue(systemClock);
  container.bind<RecordStore>(TOKENS.RecordStore).toDynamicValue((ctx) => new RecordStore(b.runsDir, ctx.get<Clock>(TOKENS.Clock))).inSingletonScope();
  container.bind<DataCache>(TOKENS.DataCache).toDynamicValue((ctx) => new DataCache(ctx.get(TOKENS.Registry), b.cacheDir, ctx.get<Logger>(TOKENS.Logger))).inSingletonScope();
  container.bind<RunnerSpec>(TOKENS.RunnerSpec).toConstantValue({ pluginDirs: b.pluginDirs, backend: b.backend.name, cacheDir: b.cacheDir, projectDir: b.projectDir });
  return container;
}

/** The services of a run, resolved from the container (what the CLI hands to runExperiment). */
export interface RunServices {
  registry: PluginRegistry;
  backend: BackendInfo;
  launcher: Launcher;
  store: RecordStore;
  data: DataCache;
  clock: Clock;
  log: Logger;
  runner: RunnerSpec;
  env: Record<string, unknown>;
}

export function runServices(container: Container): RunServices {
  const backend = container.get<BackendInfo>(TOKENS.Backend);
  const runner = container.get<RunnerSpec>(TOKENS.RunnerSpec);
  return {
    registry: registryOf(container),
    backend,
    launcher: container.get<Launcher>(TOKENS.Launcher),
    store: container.get<RecordStore>(TOKENS.RecordStore),
    data: container.get<DataCache>(TOKENS.DataCache),
    clock: container.get<Clock>(TOKENS.Clock),
    log: container.get<Logger>(TOKENS.Logger),
    runner,
    env: captureEnvironment(backend, runner.projectDir),
  };
}
