import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../framework/config/manifest.js';
import type { CollectedResults } from '../../framework/report/collect.js';
import { curvesSpec, renderChart } from '../../framework/report/figures.js';
import { cellsSpan, plateau, trainingTime } from '../../framework/report/run-summary.js';
import { renderCsv, renderMarkdown, type ReportMeta } from '../../framework/report/markdown.js';
import { buildTable } from '../../framework/report/table.js';
import { tempDir } from '../helpers/tmp.js';

/** Fixed run records: two rows × two seeds, one bracketed column (clean [occluded]) and one plain column. */
function fixture(): { manifest: Manifest; results: CollectedResults } {
  const manifest = {
    name: 'golden',
    title: 'Table 1 — golden',
    seeds: [1, 2],
    columns: [
      { name: 'RAF-DB', training: 'raf', test: {}, evals: [{ label: 'clean', occluder: null, bracket: false }, { label: 'occluded', occluder: {}, bracket: true }] },
      { name: 'FED-RO', training: 'raf', test: {}, evals: [{ label: 'natural', occluder: {}, bracket: true }] },
    ],
    rows: [{ name: 'M_Res', set: {} }, { name: 'M_ResAttAdv', set: {} }],
    reference: { source: 'the paper\'s Table 1', rows: { 'PGCNN [5]': { 'RAF-DB': [0.8327, 0.7805], 'FED-RO': [0.6425] } } },
    report: { figures: false },
  } as unknown as Manifest;
  const acc: Record<string, Record<number, [number, number, number]>> = {
    M_Res: { 1: [0.8, 0.6, 0.5], 2: [0.82, 0.62, 0.55] },
    M_ResAttAdv: { 1: [0.84, 0.7, 0.6], 2: [0.84, 0.74, 0.5] },
  };
  // Per-image correctness (10 images): M_ResAttAdv right where M_Res is wrong on 3 occluded images per seed.
  const correct = (row: string, i: number) => (i === 1 ? (row === 'M_Res' ? '1111100000' : '1111111100') : '1111100000');
  const results: CollectedResults = {
    backend: 'wasm',
    cells: Object.entries(acc).flatMap(([row, seeds]) =>
      Object.entries(seeds).map(([seed, a]) => ({
        cell: {
          row,
          training: 'raf',
          seed: Number(seed),
          fold: null,
          evaluations: [['RAF-DB', 0], ['RAF-DB', 1], ['FED-RO', 0]].map(([column, evalIndex]) => ({ column, evalIndex })),
        } as any,
        dir: '',
        done: true,
        checkpoint: null,
        error: null,
        history: [],
        env: null,
        updated: null,
        evaluations: new Map([
          ['RAF-DB#0', { accuracy: a[0], images: 10, correct: correct(row, 0) } as any],
          // φ's mask quality on the occluded evaluation (M_ResAttAdv has attention; M_Res none).
          ['RAF-DB#1', { accuracy: a[1], images: 10, correct: correct(row, 1), mask: row === 'M_ResAttAdv' ? { iou: 0.4 + 0.1 * Number(seed), auc: 0.8 + 0.05 * Number(seed), images: 10 } : null } as any],
          ['FED-RO#0', { accuracy: a[2], images: 10, correct: correct(row, 2) } as any],
        ]),
      })),
    ),
  };
  return { manifest, results };
}

const meta: ReportMeta = {
  title: 'Table 1 — golden',
  synthetic: true,
  referenceSource: "the paper's Table 1",
  data: ['synthetic faces, wild'],
  backend: 'wasm',
  seeds: [1, 2],
  epochs: '3',
  imageSize: 48,
  git: '0123456789ab',
  trainingTime: '12 s',
  span: "9 s from the first cell's start to the last cell's end (2026-11-28 10:00 → 10:00 UTC)",
  plateau: 'the last epoch changed training accuracy by +0.4 points on average over 4 cells (+0.1 to +0.9); final training accuracy 0.951–0.978',
  generated: '2026-11-28',
  cellsMissing: 0,
  cellsFailed: [],
  figures: [],
};

describe('report writers against fixed run records', () => {
  it('Markdown in the paper\'s layout matches the golden file', () => {
    const { manifest, results } = fixture();
    const md = renderMarkdown(buildTable(manifest, results), meta);
    assert.equal(md, readFileSync('test/report/golden/table.md', 'utf8'));
  });

  it('CSV matches the golden file', () => {
    const { manifest, results } = fixture();
    assert.equal(renderCsv(buildTable(manifest, results)), readFileSync('test/report/golden/table.csv', 'utf8'));
  });

  it('marks the best of our rows, never a reference row, and keeps reference values out of our statistics', () => {
    const { manifest, results } = fixture();
    const t = buildTable(manifest, results);
    assert.deepEqual(t.best['RAF-DB'], ['M_ResAttAdv', 'M_ResAttAdv']);
    assert.deepEqual(t.best['FED-RO'], ['M_ResAttAdv']);
    const ours = t.rows.find((r) => r.name === 'M_Res')!;
    assert.ok(Math.abs(ours.cells['RAF-DB'][0]!.mean - 0.81) < 1e-12);
    assert.equal(ours.cells['RAF-DB'][0]!.n, 2);
    const s = t.significance.find((x) => x.column === 'RAF-DB' && x.label === 'occluded')!;
    assert.deepEqual([s.aOnly, s.bOnly, s.pairs], [6, 0, 20]);
    assert.ok(Math.abs(s.p - 2 / 64) < 1e-12);
  });

  it('per-seed differences against M_Res with a paired t-test over seeds, and φ\'s mask IoU/AUC per attention row and column', () => {
    const { manifest, results } = fixture();
    const t = buildTable(manifest, results);
    const d = t.seedDifferences.find((x) => x.row === 'M_ResAttAdv' && x.column === 'RAF-DB' && x.label === 'clean')!;
    // seed 1: 0.84 − 0.80, seed 2: 0.84 − 0.82 → mean 0.03, sd 0.01414, t = 0.03 / (0.01414/√2) = 3, df 1: p = 1 − (2/π)·atan 3
    assert.deepEqual(d.perSeed.map(([s, x]) => [s, Math.round(x * 1e6) / 1e6]), [[1, 0.04], [2, 0.02]]);
    assert.ok(Math.abs(d.t - 3) < 1e-9 && Math.abs(d.p! - (1 - (2 / Math.PI) * Math.atan(3))) < 1e-9, `${d.t} ${d.p}`);
    assert.equal(d.baseline, 'M_Res');
    // Detectable with 2 seeds: (t_0.975,1 + t_0.8,1) · sd / √2 = (12.7062 + 1.37638) · 0.01 = 0.14083.
    assert.ok(Math.abs(d.detectable! - 0.140826) < 1e-5, String(d.detectable));
    assert.equal(t.masks.length, 1);
    const q = t.masks[0];
    assert.deepEqual([q.row, q.column, q.label], ['M_ResAttAdv', 'RAF-DB', 'occluded']);
    assert.ok(Math.abs(q.iou.mean - 0.55) < 1e-12 && Math.abs(q.auc!.mean - 0.875) < 1e-12);
  });

  it('titles of reports on synthetic data say so', () => {
    const { manifest, results } = fixture();
    assert.match(renderMarkdown(buildTable(manifest, results), meta).split('\n')[0], /^# Table 1 — golden \(synthetic data\)$/);
  });

  it("states the cells' wall time and the plateau from the records", () => {
    const cell = (recorded: string, updated: string, accs: number[]) => ({
      cell: {} as any,
      dir: '',
      done: true,
      checkpoint: null,
      error: null,
      history: accs.map((trainAccuracy, epoch) => ({ epoch, trainAccuracy, seconds: 10 }) as any),
      env: { recorded },
      updated,
      evaluations: new Map(),
    });
    const results: CollectedResults = {
      backend: 'native',
      cells: [cell('2026-12-02T02:48:10.000Z', '2026-12-02T02:50:00.000Z', [0.5, 0.9, 0.91]), cell('2026-12-02T02:48:05.000Z', '2026-12-02T02:54:05.000Z', [0.6, 0.93, 0.95])],
    };
    assert.equal(cellsSpan(results), "6.0 min from the first cell's start to the last cell's end (2026-12-02 02:48 → 02:54 UTC)");
    assert.equal(
      plateau(results),
      'the last epoch changed training accuracy by +1.5 points on average over 2 cells (+1.0 to +2.0); final training accuracy 0.910–0.950. ' +
        'The criterion, a last-epoch gain under 1 point in every cell: not met: 2 of 2 cells gained 1 point or more in their last epoch (still learning when training stopped)',
    );
    results.cells[0].history[2].trainAccuracy = 0.9049;
    results.cells[1].history[2].trainAccuracy = 0.92;
    assert.match(plateau(results)!, /\(-1\.0 to \+0\.5\); .*The criterion, a last-epoch gain under 1 point in every cell: met$/);
    assert.equal(trainingTime(results), '60 s');
    // A cell not finished: no span can be claimed.
    results.cells[1].done = false;
    assert.equal(cellsSpan(results), null);
  });

  it('training curves name every row in full in their legend, however long the row name', async () => {
    const row = 'λ1 = 0.1, λ2 = 0.1 (paper), context φ of 2 layers × 32';
    const results: CollectedResults = {
      backend: 'native',
      cells: [{ cell: { row, training: 'lab' } as any, dir: '', done: true, checkpoint: null, error: null, env: null, updated: null, evaluations: new Map(),
        history: [0.5, 0.8].map((trainAccuracy, epoch) => ({ epoch, trainAccuracy, loss: 1 - trainAccuracy }) as any) }],
    };
    const tmp = tempDir('fer-curves-');
    let svg: string;
    try {
      await renderChart(curvesSpec(results, 'curves'), join(tmp.dir, 'c.svg'), join(tmp.dir, 'c.png'));
      svg = readFileSync(join(tmp.dir, 'c.svg'), 'utf8').replace(/&amp;/g, '&');
    } finally {
      tmp.cleanup();
    }
    // The full name is in the SVG's aria labels either way; what a reader sees is the legend's <text>.
    assert.ok(svg.includes(`>${row} (lab)</text>`), 'the legend cut the row name short');
  });
});
