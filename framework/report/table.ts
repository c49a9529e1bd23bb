import type { Manifest } from '../config/manifest.js';
import type { CollectedResults } from './collect.js';
import { detectableDifference, discordant, mcnemarExact, mean, pairedT, std } from './stats.js';

export interface Stat {
  mean: number;
  std: number;
  n: number;
}

export interface TableColumn {
  name: string;
  evals: { label: string; bracket: boolean }[];
}

export interface TableRow {
  name: string;
  source: 'ours' | 'reference';
  /** Per column, per evaluation: ours are mean ± std over seeds; reference values have n = 0. */
  cells: Record<string, (Stat | null)[]>;
}

export interface Significance {
  a: string;
  b: string;
  column: string;
  label: string;
  /** Discordant (seed, image) pairs: A right and B wrong, and the reverse. */
  aOnly: number;
  bOnly: number;
  pairs: number;
  p: number;
}

/** A row's accuracy minus the baseline row's, seed by seed, with a paired t-test over the seeds. */
export interface SeedDifference {
  row: string;
  baseline: string;
  column: string;
  label: string;
  /** [seed, difference] for every seed both rows finished. */
  perSeed: [number, number][];
  mean: number;
  std: number;
  t: number;
  p: number | null;
  /** The smallest mean difference this many seeds with this spread detect (80% power, two-sided 5%); null below two seeds. */
  detectable: number | null;
}

/** φ's mask against the true occlusion mask (from the evaluations): mean over seeds. */
export interface MaskQuality {
  row: string;
  column: string;
  label: string;
  iou: Stat;
  auc: Stat | null;
}

export interface ResultTable {
  columns: TableColumn[];
  rows: TableRow[];
  /** Best of our rows per column and evaluation (never a reference row). */
  best: Record<string, (string | null)[]>;
  significance: Significance[];
  seedDifferences: SeedDifference[];
  masks: MaskQuality[];
}

/** Assembles the paper-layout table from collected runs; reference rows are kept apart from our statistics. */
export function buildTable(m: Manifest, results: CollectedResults): ResultTable {
  const columns: TableColumn[] = m.columns.map((c) => ({ name: c.name, evals: c.evals.map((e) => ({ label: e.label, bracket: e.bracket })) }));
  const rows: TableRow[] = [];
  for (const [name, cells] of Object.entries(m.reference?.rows ?? {})) {
    const row: TableRow = { name, source: 'reference', cells: {} };
    for (const c of columns) {
      const vals = cells[c.name] ?? [];
      row.cells[c.name] = c.evals.map((_, i) => (typeof vals[i] === 'number' ? { mean: vals[i] as number, std: 0, n: 0 } : null));
    }
    rows.push(row);
  }
  for (const r of m.rows) {
    const row: TableRow = { name: r.name, source: 'ours', cells: {} };
    for (const c of columns) {
      row.cells[c.name] = c.evals.map((_, i) => {
        const accs = m.seeds.map((seed) => pooled(results, r.name, seed, `${c.name}#${i}`)?.accuracy).filter((a): a is number => typeof a === 'number');
        return accs.length ? { mean: mean(accs), std: std(accs), n: accs.length } : null;
      });
    }
    rows.push(row);
  }
  const best: ResultTable['best'] = {};
  for (const c of columns) {
    best[c.name] = c.evals.map((_, i) => {
      let top: string | null = null;
      let topV = -Infinity;
      for (const row of rows) {
        const s = row.source === 'ours' ? row.cells[c.name][i] : null;
        if (s && s.mean > topV) [top, topV] = [row.name, s.mean];
      }
      return top;
    });
  }
  return { columns, rows, best, significance: significanceTests(m, results, columns), seedDifferences: seedDifferences(m, results, columns), masks: maskQuality(m, results, columns) };
}

const statOf = (xs: number[]): Stat => ({ mean: mean(xs), std: std(xs), n: xs.length });

/** Every other row against the comparison's baseline (M_Res by default), seed by seed. */
function seedDifferences(m: Manifest, results: CollectedResults, columns: TableColumn[]): SeedDifference[] {
  const pair = m.report.compare ?? defaultComparison(m);
  if (!pair) return [];
  const baseline = pair[1];
  const out: SeedDifference[] = [];
  for (const r of m.rows.filter((x) => x.name !== baseline)) {
    for (const c of columns) {
      c.evals.forEach((ev, i) => {
        const key = `${c.name}#${i}`;
        const perSeed: [number, number][] = [];
        for (const seed of m.seeds) {
          const a = pooled(results, r.name, seed, key);
          const b = pooled(results, baseline, seed, key);
          if (a && b) perSeed.push([seed, a.accuracy - b.accuracy]);
        }
        if (perSeed.length === 0) return;
        const t = pairedT(perSeed.map(([, d]) => d));
        out.push({ row: r.name, baseline, column: c.name, label: ev.label, perSeed, mean: t.mean, std: t.std, t: t.t, p: t.p, detectable: detectableDifference(t.std, t.n) });
      });
    }
  }
  return out;
}

/** φ's mask IoU and AUC per row with attention, column and evaluation (folds weighted by their images). */
function maskQuality(m: Manifest, results: CollectedResults, columns: TableColumn[]): MaskQuality[] {
  const out: MaskQuality[] = [];
  for (const r of m.rows) {
    for (const c of columns) {
      c.evals.forEach((ev, i) => {
        const key = `${c.name}#${i}`;
        const ious: number[] = [];
        const aucs: number[] = [];
        for (const seed of m.seeds) {
          const masks = results.cells.filter((x) => x.cell.row === r.name && x.cell.seed === seed).map((x) => x.evaluations.get(key)?.mask).filter((x): x is NonNullable<typeof x> => !!x && x.images > 0);
          if (masks.length === 0) continue;
          const images = masks.reduce((a, x) => a + x.images, 0);
          ious.push(masks.reduce((a, x) => a + x.iou * x.images, 0) / images);
          if (masks.every((x) => x.auc !== null)) aucs.push(masks.reduce((a, x) => a + x.auc! * x.images, 0) / images);
        }
        if (ious.length) out.push({ row: r.name, column: c.name, label: ev.label, iou: statOf(ious), auc: aucs.length ? statOf(aucs) : null });
      });
    }
  }
  return out;
}

/**
 * One (row, seed)'s result for an evaluation, pooled over cross-validation folds: held-out
 * predictions of every fold together (accuracy = all correct / all images). Null if a fold is missing.
 */
export function pooled(results: CollectedResults, row: string, seed: number, key: string): { accuracy: number; correct: string } | null {
  const cells = results.cells.filter((x) => x.cell.row === row && x.cell.seed === seed && x.cell.evaluations.some((e) => `${e.column}#${e.evalIndex}` === key));
  if (cells.length === 0) return null;
  const evs = cells.sort((a, b) => (a.cell.fold ?? 0) - (b.cell.fold ?? 0)).map((x) => x.evaluations.get(key));
  if (evs.some((e) => !e)) return null;
  const images = evs.reduce((a, e) => a + e!.images, 0);
  const right = evs.reduce((a, e) => a + e!.accuracy * e!.images, 0);
  return { accuracy: images ? right / images : 0, correct: evs.map((e) => e!.correct).join('') };
}

function defaultComparison(m: Manifest): [string, string] | null {
  const names = m.rows.map((r) => r.name);
  if (names.includes('M_ResAttAdv') && names.includes('M_Res')) return ['M_ResAttAdv', 'M_Res'];
  return names.length >= 2 ? [names[names.length - 1], names[0]] : null;
}

/** Paired McNemar tests of A vs B pooled over seeds and test images (same images, same occlusions). */
function significanceTests(m: Manifest, results: CollectedResults, columns: TableColumn[]): Significance[] {
  const pair = m.report.compare ?? defaultComparison(m);
  if (!pair) return [];
  const [a, b] = pair;
  const out: Significance[] = [];
  for (const c of columns) {
    c.evals.forEach((ev, i) => {
      let aOnly = 0;
      let bOnly = 0;
      let pairs = 0;
      for (const seed of m.seeds) {
        const key = `${c.name}#${i}`;
        const ra = pooled(results, a, seed, key);
        const rb = pooled(results, b, seed, key);
        if (!ra || !rb || ra.correct.length !== rb.correct.length) continue;
        const d = discordant(ra.correct, rb.correct);
        aOnly += d.aOnly;
        bOnly += d.bOnly;
        pairs += ra.correct.length;
      }
      if (pairs > 0) out.push({ a, b, column: c.name, label: ev.label, aOnly, bOnly, pairs, p: mcnemarExact(aOnly, bOnly) });
    });
  }
  return out;
}
