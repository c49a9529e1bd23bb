import type { PluginRef } from '../plugin/contract.js';
import { createBuildContext } from '../plugin/build-context.js';
import type { PluginRegistry } from '../plugin/registry.js';
import type { Launcher } from '../runs/launcher.js';
import { InputError } from '../errors.js';

export interface LauncherFlags {
  launcher?: string;
  jobs?: string;
  redis?: string;
}

/**
 * The launcher a command line asks for, over the manifest's: --launcher names one (keeping the
 * manifest's options when it names the same), --redis URL means bullmq (or sets the named
 * launcher's redis option), --jobs N is the processes launcher's count: alone, N > 1 means
 * processes and 1 means this process; with --launcher processes, N processes (1 included); with
 * another launcher it is a contradiction the user must resolve (it was once dropped silently).
 */
export function launcherRef(fromManifest: PluginRef, f: LauncherFlags): PluginRef {
  let jobs: number | undefined;
  if (f.jobs !== undefined) {
    jobs = Number(f.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new InputError(`--jobs ${f.jobs}: expected a whole number of processes, 1 or more.`);
  }
  const named = f.launcher ?? (f.redis !== undefined ? 'bullmq' : undefined);
  let ref = fromManifest;
  if (named !== undefined) {
    if (named !== fromManifest.type) ref = { type: named, options: {} };
    if (jobs !== undefined && named !== 'processes') {
      throw new InputError(`--jobs ${jobs} sets how many processes the processes launcher starts, but the command line also asks for the ${named} launcher${f.launcher === undefined ? ' (--redis)' : ''}. Drop --jobs, or use --launcher processes.`);
    }
    if (jobs !== undefined) ref = { type: 'processes', options: { ...ref.options, jobs } };
  } else if (jobs !== undefined) {
    if (jobs > 1) ref = { type: 'processes', options: { jobs } };
    else if (ref.type === 'processes') ref = { type: 'local' };
  }
  if (f.redis !== undefined) ref = { ...ref, options: { ...ref.options, redis: f.redis } };
  return ref;
}

/** The launcher plugin, built with its options checked (a bad option or name is an exit-2 error naming the flag). */
export async function buildLauncher(registry: PluginRegistry, ref: PluginRef, cacheDir: string): Promise<Launcher> {
  if (!registry.has('launcher', ref.type)) throw new InputError(`--launcher: ${registry.unknown('launcher', ref.type)}`);
  const ctx = createBuildContext({ registry, seed: 0, imageSize: 0, cacheDir });
  return ctx.build('launcher', ref);
}
