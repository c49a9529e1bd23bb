import { join, relative } from 'node:path';
import type { ResolvedManifest } from '../config/resolve-manifest.js';
import type { BackendName } from '../engine/backends.js';
import { restoreModel } from '../engine/checkpoint.js';
import type { Occluder } from '../data/occluder.js';
import { createBuildContext } from '../plugin/build-context.js';
import type { PluginRegistry } from '../plugin/registry.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { buildModel } from '../engine/build-model.js';
import { datasetRefs } from '../runs/cells.js';
import { collectResults, type CollectedResults } from './collect.js';
import { accuracySpec, curvesSpec, renderChart } from './figures.js';
import { maskGridPng } from './mask-grid.js';
import { renderCsv, renderMarkdown, reportTitle, type ReportMeta } from './markdown.js';
import { buildTable } from './table.js';
import { cellsSpan, plateau, trainingTime } from './run-summary.js';

export interface ReportOptions {
  resolved: ResolvedManifest;
  registry: PluginRegistry;
  runsDir: string;
  reportsDir: string;
  cacheDir: string;
  backend?: BackendName;
  log?: (l: string) => void;
}


/** Figure 2: φ's masks from the first finished cell of report.masksRow, else of a row that has attention. */
async function figure2(o: ReportOptions, results: CollectedResults, dir: string): Promise<string | null> {
  const m = o.resolved.manifest;
  const withAttention = o.resolved.rows.filter((r) => r.config.model.attention.type !== 'none').map((r) => r.name);
  const preferred = [...(m.report.masksRow ? [m.report.masksRow] : []), 'M_ResAttAdv', 'M_ResAtt', ...withAttention].filter((n) => withAttention.includes(n));
  const cell = preferred.map((n) => results.cells.find((c) => c.cell.row === n && c.done && c.checkpoint)).find(Boolean);
  if (!cell) return null;
  const column = m.columns.find((c) => c.training === cell.cell.training)!;
  const ctx = createBuildContext({ registry: o.registry, seed: cell.cell.seed, imageSize: m.imageSize, cacheDir: o.cacheDir });
  const dataset = await ctx.build('dataset', column.test.dataset);
  const trainDataset = await ctx.build('dataset', cell.cell.config.training.datasets[0]);
  const model = await buildModel(cell.cell.config.model, ctx, trainDataset.classes.length);
  try {
    restoreModel(model, cell.checkpoint!);
    const occluders: Occluder[] = [];
    if (cell.cell.config.training.occluder) occluders.push(await ctx.build('occluder', cell.cell.config.training.occluder));
    if (o.registry.has('occluder', 'natural')) occluders.push(await ctx.build('occluder', { type: 'natural' }));
    const source = await dataset.open(column.test.split, m.imageSize);
    const png = await maskGridPng(model, source, occluders, m.imageSize, 8, cell.cell.seed);
    const out = join(dir, 'figure2-masks.png');
    writeFileAtomic(out, png);
    return out;
  } finally {
    model.dispose();
  }
}

/** ", oneDNN 2.6.3 avx2" for native runs: the instruction set(s) their kernels ran with, which decide the last bits. */
function oneDnn(envs: Record<string, unknown>[]): string {
  if (!envs[0].oneDNN) return '';
  const isas = [...new Set(envs.map((e) => e.oneDNNIsa).filter(Boolean))];
  return `, oneDNN ${envs[0].oneDNN}${isas.length ? ` ${isas.join(' and ')}` : ''}`;
}

/** Rebuilds reports/<experiment>/ (table.md, table.csv, figures) from the finished runs; trains nothing. */
export async function buildReport(o: ReportOptions): Promise<{ dir: string; files: string[]; missing: number }> {
  const m = o.resolved.manifest;
  const results = collectResults(o.resolved, o.runsDir, o.backend);
  const table = buildTable(m, results);
  const dir = join(o.reportsDir, m.name);
  const ctx = createBuildContext({ registry: o.registry, seed: 0, imageSize: m.imageSize, cacheDir: o.cacheDir });
  const datasets = await Promise.all(datasetRefs(o.resolved).map((r) => ctx.build('dataset', r)));
  const synthetic = datasets.some((d) => d.synthetic);
  const title = reportTitle({ title: m.title, synthetic });
  const files: string[] = [];
  const figures: ReportMeta['figures'] = [];
  const missing = results.cells.filter((c) => !c.done).length;
  if (m.report.figures && results.cells.some((c) => c.evaluations.size > 0)) {
    await renderChart(accuracySpec(table, `${title}: accuracy per test set`), join(dir, 'accuracy.svg'), join(dir, 'accuracy.png'));
    figures.push({ caption: 'Accuracy of our rows per column (mean ± std over seeds; the occluded evaluation where a column has two).', file: 'accuracy.png' });
    await renderChart(curvesSpec(results, 'Training curves (mean over seeds)'), join(dir, 'training-curves.svg'), join(dir, 'training-curves.png'));
    figures.push({ caption: 'Training loss and training accuracy per epoch.', file: 'training-curves.png' });
    files.push(join(dir, 'accuracy.svg'), join(dir, 'accuracy.png'), join(dir, 'training-curves.svg'), join(dir, 'training-curves.png'));
    const f2 = await figure2(o, results, dir);
    if (f2) {
      figures.push({ caption: "Figure 2: occluded test images (synthetic occluders, then natural ones) with φ's learned occlusion masks beneath them (white = occluded).", file: 'figure2-masks.png' });
      files.push(f2);
    }
  }
  const envs = results.cells.map((c) => c.env).filter((e): e is Record<string, unknown> => !!e);
  const git = envs.map((e) => e.git as { commit: string; dirty: boolean } | null).find(Boolean);
  const epochs = [...new Set(o.resolved.rows.flatMap((r) => Object.values(r.config.trainings).map((t) => t.epochs)))];
  const meta: ReportMeta = {
    title: m.title,
    synthetic,
    description: m.description,
    referenceSource: m.reference?.source,
    data: datasets.map((d) => d.title),
    backend: `${results.backend}${envs[0] ? ` (tfjs ${envs[0].tfjs}${oneDnn(envs)}, ${envs[0].cpu}, ${envs[0].cores} cores)` : ''}`,
    seeds: m.seeds,
    epochs: epochs.join(', '),
    imageSize: m.imageSize,
    git: git ? `${git.commit.slice(0, 12)}${git.dirty ? ' (with uncommitted changes)' : ''}` : 'unknown',
    trainingTime: trainingTime(results),
    span: cellsSpan(results),
    plateau: plateau(results),
    generated: new Date().toISOString().slice(0, 10),
    cellsMissing: missing,
    cellsFailed: results.cells.filter((c) => c.error !== null).map((c) => ({ cell: `${c.cell.row} · ${c.cell.training}${c.cell.fold === null ? '' : ` · fold ${c.cell.fold + 1}`} · seed ${c.cell.seed}`, error: c.error! })),
    figures,
  };
  writeFileAtomic(join(dir, 'table.md'), renderMarkdown(table, meta));
  writeFileAtomic(join(dir, 'table.csv'), renderCsv(table));
  files.unshift(join(dir, 'table.md'), join(dir, 'table.csv'));
  o.log?.(`report written: ${files.map((f) => relative(process.cwd(), f)).join(', ')}`);
  return { dir, files, missing };
}
