import { relative } from 'node:path';
import { InputError } from '../errors.js';
import { PLUGIN_KINDS, type LoadedPlugin, type PluginDefinition, type PluginKind } from './contract.js';
import { didYouMean } from './did-you-mean.js';

const show = (file: string) => relative(process.cwd(), file) || file;

/**
 * The only place plugin names are resolved: registries by kind, closed by name.
 * Built from the container's plugin bindings (see di/container.ts).
 */
export class PluginRegistry {
  private readonly byKind = new Map<PluginKind, Map<string, LoadedPlugin>>();

  constructor(plugins: readonly LoadedPlugin[]) {
    for (const kind of PLUGIN_KINDS) this.byKind.set(kind, new Map());
    for (const p of plugins) {
      const table = this.byKind.get(p.definition.kind)!;
      const twin = table.get(p.definition.name);
      if (twin) {
        throw new InputError(
          `two ${p.definition.kind} plugins are named "${p.definition.name}": ${show(twin.file)} and ${show(p.file)}. Rename one of them.`,
        );
      }
      table.set(p.definition.name, p);
    }
  }

  names(kind: PluginKind): string[] {
    return [...this.byKind.get(kind)!.keys()].sort();
  }

  has(kind: PluginKind, name: string): boolean {
    return this.byKind.get(kind)!.has(name);
  }

  /** What is said of an unknown name: the "did you mean" and every known name of the kind. */
  unknown(kind: PluginKind, name: string): string {
    const names = this.names(kind);
    return `unknown ${kind} "${name}".${didYouMean(name, names)} Known ${kind} plugins: ${names.join(', ') || '(none)'}.`;
  }

  /** The definition of `kind/name`; an unknown name is an InputError with a "did you mean". */
  get(kind: PluginKind, name: string, where = ''): PluginDefinition {
    const p = this.byKind.get(kind)!.get(name);
    if (!p) throw new InputError(`${where}${this.unknown(kind, name)}`);
    return p.definition;
  }

  fileOf(kind: PluginKind, name: string): string | undefined {
    return this.byKind.get(kind)!.get(name)?.file;
  }

  all(): LoadedPlugin[] {
    return PLUGIN_KINDS.flatMap((k) => this.names(k).map((n) => this.byKind.get(k)!.get(n)!));
  }
}
