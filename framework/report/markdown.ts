import type { ResultTable, Stat } from './table.js';

/** A difference of two accuracies in signed percentage points (+1.25). */
export const signedPoints = (x: number, digits: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(digits)}`;

export interface ReportMeta {
  title: string;
  synthetic: boolean;
  description?: string;
  referenceSource?: string;
  data: string[];
  backend: string;
  seeds: number[];
  epochs: string;
  imageSize: number;
  git: string;
  /** Training time summed over the cells. */
  trainingTime: string;
  /** From the first cell's start to the last cell's end, as the records say; null without them. */
  span: string | null;
  /** How much the last epoch added to training accuracy: the plateau criterion. */
  plateau: string | null;
  generated: string;
  cellsMissing: number;
  /** Cells whose last run failed, with the error their record keeps. */
  cellsFailed: { cell: string; error: string }[];
  figures: { caption: string; file: string }[];
}

const fmt = (s: Stat | null, withStd: boolean) => (s === null ? '–' : withStd && s.n > 1 ? `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}` : s.mean.toFixed(4));

/** One table cell in the paper's layout: "clean [occluded]" (or just the value for one evaluation). */
export function cellText(stats: (Stat | null)[], evals: { bracket: boolean }[], bestMask: boolean[], withStd: boolean): string {
  return stats
    .map((s, i) => {
      let t = fmt(s, withStd);
      if (bestMask[i] && s) t = `**${t}**`;
      return evals[i].bracket ? `[${t}]` : t;
    })
    .join(' ');
}

/** The report's title: synthetic-data reports say so. */
export function reportTitle(meta: Pick<ReportMeta, 'title' | 'synthetic'>): string {
  return meta.synthetic && !/synthetic (data|faces)/i.test(meta.title) ? `${meta.title} (synthetic data)` : meta.title;
}

export function renderMarkdown(table: ResultTable, meta: ReportMeta): string {
  const out: string[] = [];
  out.push(`# ${reportTitle(meta)}`, '');
  if (meta.synthetic) {
    out.push(
      '> **Synthetic data.** These numbers come from faces and occluders that fer-run draws itself, not from the paper\'s datasets. ' +
        'They show the method running end to end; they are not a reproduction of the paper\'s accuracies. The paper\'s rows are printed for layout only.',
      '',
    );
  }
  if (meta.description) out.push(meta.description, '');
  if (meta.cellsMissing > 0) out.push(`> ${meta.cellsMissing} training cell(s) have not finished; their rows show what exists (– where nothing does).`, '');
  if (meta.cellsFailed.length > 0) {
    out.push(`> ${meta.cellsFailed.length} of them failed:`, ...meta.cellsFailed.map((f) => `> - ${f.cell}: ${f.error.replace(/\s*\n\s*/g, ' ')}`), '');
  }
  const header = ['Methods', ...table.columns.map((c) => c.name)];
  out.push(`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`);
  const refs = table.rows.filter((r) => r.source === 'reference');
  const ours = table.rows.filter((r) => r.source === 'ours');
  for (const r of refs) {
    out.push(`| *${r.name}* (paper) | ${table.columns.map((c) => cellText(r.cells[c.name], c.evals, c.evals.map(() => false), false)).join(' | ')} |`);
  }
  for (const r of ours) {
    const cells = table.columns.map((c) => cellText(r.cells[c.name], c.evals, table.best[c.name].map((b) => b === r.name), true));
    out.push(`| ${r.name} (ours) | ${cells.join(' | ')} |`);
  }
  out.push('');
  out.push(
    `Our rows: accuracy, mean ± standard deviation over ${meta.seeds.length} seed(s); **bold** marks the best of our rows per column. ` +
      (refs.length
        ? `Rows marked (paper) are the values reported in ${meta.referenceSource ?? 'the paper'}, copied for reference; they are not part of our statistics.`
        : ''),
    '',
  );
  if (table.significance.length) {
    const { a, b } = table.significance[0];
    out.push(`## Significance: ${a} vs ${b}`, '');
    out.push('Exact McNemar test on paired predictions (same test images and occlusions, pooled over seeds).', '');
    out.push('| Column | Evaluation | pairs | only A right | only B right | p-value |', '|---|---|---|---|---|---|');
    for (const s of table.significance) out.push(`| ${s.column} | ${s.label} | ${s.pairs} | ${s.aOnly} | ${s.bOnly} | ${s.p < 1e-4 ? s.p.toExponential(2) : s.p.toFixed(4)} |`);
    out.push('');
  }
  if (table.seedDifferences.length) {
    const { baseline } = table.seedDifferences[0];
    out.push(`## Per-seed differences against ${baseline}`, '');
    out.push(
      `Each row's accuracy minus ${baseline}'s on the same seed, in percentage points; mean ± std over seeds and a two-sided paired t-test over the seeds ` +
        '(the seed-level question: does the difference hold across trainings? McNemar above pools the images instead). ' +
        '"Detectable" is the smallest mean difference this many seeds, spread as measured, find 80% of the time at p < 0.05: a smaller true effect can hide in the noise.',
      '',
    );
    out.push('| Row | Column | Evaluation | per seed | mean ± std | t | p-value | detectable |', '|---|---|---|---|---|---|---|---|');
    for (const d of table.seedDifferences) {
      const p = d.p === null ? '–' : d.p < 1e-4 ? d.p.toExponential(2) : d.p.toFixed(4);
      out.push(`| ${d.row} | ${d.column} | ${d.label} | ${d.perSeed.map(([s, x]) => `${s}: ${signedPoints(x, 2)}`).join(', ')} | ${signedPoints(d.mean, 2)} ± ${(100 * d.std).toFixed(2)} | ${Number.isFinite(d.t) ? d.t.toFixed(2) : String(d.t)} | ${p} | ${d.detectable === null ? '–' : (100 * d.detectable).toFixed(2)} |`);
    }
    out.push('');
  }
  if (table.masks.length) {
    out.push("## φ's masks against the true occlusion", '');
    out.push('Per-pixel IoU (φ > 0.5) and AUC of the learned occlusion mask against the synthetic occluder\'s true mask on the occluded test images, mean ± std over seeds (0.5 AUC is chance).', '');
    out.push('| Row | Column | Evaluation | IoU | AUC |', '|---|---|---|---|---|');
    const st = (s: Stat | null) => (s ? `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}` : '–');
    for (const q of table.masks) out.push(`| ${q.row} | ${q.column} | ${q.label} | ${st(q.iou)} | ${st(q.auc)} |`);
    out.push('');
  }
  for (const f of meta.figures) out.push(`![${f.caption}](${f.file})`, '', `*${f.caption}*`, '');
  out.push('## Run metadata', '');
  out.push(
    `- Data: ${meta.data.join('; ')}`,
    `- Backend: ${meta.backend}`,
    `- Seeds: ${meta.seeds.join(', ')}`,
    `- Epochs: ${meta.epochs}`,
    `- Image size: ${meta.imageSize} px`,
    `- Git commit: ${meta.git}`,
    ...(meta.plateau ? [`- Plateau: ${meta.plateau}`] : []),
    `- Training time (sum over cells): ${meta.trainingTime}`,
    ...(meta.span ? [`- Wall time: ${meta.span}`] : []),
    `- Generated: ${meta.generated}`,
    '',
  );
  return out.join('\n');
}

/** CSV in the paper's layout: one line per method, a mean and a std column per test set and evaluation. */
export function renderCsv(table: ResultTable): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = ['method', 'source'];
  for (const c of table.columns) for (const e of c.evals) head.push(`${c.name} ${e.label} mean`, `${c.name} ${e.label} std`, `${c.name} ${e.label} seeds`);
  const lines = [head.map(q).join(',')];
  for (const r of table.rows) {
    const vals = [r.name, r.source === 'ours' ? 'ours' : 'paper'];
    for (const c of table.columns)
      r.cells[c.name].forEach((s) => vals.push(s ? s.mean.toFixed(4) : '', s && r.source === 'ours' ? s.std.toFixed(4) : '', s && r.source === 'ours' ? String(s.n) : ''));
    lines.push(vals.map(q).join(','));
  }
  return lines.join('\n') + '\n';
}
