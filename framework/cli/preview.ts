import { join } from 'node:path';
import type { ResolvedManifest } from '../config/resolve-manifest.js';
import { Rng } from '../engine/rng.js';
import type { PluginRef } from '../plugin/contract.js';
import { createBuildContext } from '../plugin/build-context.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { contactSheetPng, type Tile } from '../report/contact-sheet.js';
import { writeFileAtomic } from '../runs/atomic.js';

/**
 * `fer-run preview`: contact sheets a person can check by eye — the training data (one row per
 * class) and every occluder of the manifest (occluded images over their masks).
 */
export async function writePreview(resolved: ResolvedManifest, registry: PluginRegistry, outDir: string, count: number, cacheDir: string): Promise<string[]> {
  const m = resolved.manifest;
  const ctx = createBuildContext({ registry, seed: m.seeds[0], imageSize: m.imageSize, cacheDir });
  const files: string[] = [];
  const training = Object.values(m.trainings)[0];
  const dataset = await ctx.build('dataset', training.datasets[0]);
  const source = await dataset.open(training.split, m.imageSize);
  const byClass: Tile[][] = dataset.classes.map(() => []);
  for (let i = 0; i < source.length && byClass.some((r) => r.length < count); i++) {
    const s = source.get(i);
    if (byClass[s.label].length < count) byClass[s.label].push({ rgb: s.image });
  }
  const dataFile = join(outDir, `data-${training.datasets[0].type}.png`);
  writeFileAtomic(dataFile, await contactSheetPng(byClass, m.imageSize));
  files.push(dataFile);

  const occluders = new Map<string, PluginRef>();
  for (const t of Object.values(m.trainings)) if (t.occluder) occluders.set(JSON.stringify(t.occluder), t.occluder);
  for (const c of m.columns) for (const e of c.evals) if (e.occluder) occluders.set(JSON.stringify(e.occluder), e.occluder);
  let k = 0;
  for (const ref of occluders.values()) {
    const occ = await ctx.build('occluder', ref);
    const rng = Rng.derive(m.seeds[0], `preview/${k}`);
    const shown = Array.from({ length: Math.min(count, source.length) }, (_, i) => occ.apply(source.get(i), m.imageSize, rng));
    const file = join(outDir, `occluder-${++k}-${ref.type}.png`);
    writeFileAtomic(
      file,
      await contactSheetPng([shown.map((o) => ({ rgb: o.image })), shown.map((o) => ({ gray: o.mask, h: m.imageSize, w: m.imageSize }))], m.imageSize),
    );
    files.push(file);
  }
  return files;
}
