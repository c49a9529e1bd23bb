import assert from 'node:assert/strict';
import type { DatasetRef } from '../../framework/data/subject-folds.js';
import { loadExperiment } from '../../framework/cli/session.js';
import { expandCells } from '../../framework/runs/cells.js';
import { pooled } from '../../framework/report/table.js';
import type { CollectedResults } from '../../framework/report/collect.js';
import { cli } from '../helpers/cli.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

describe('experiment expansion into cells', () => {
  const tmp = tempDir();
  after(() => tmp.cleanup());

  it('expands rows × trainings × seeds, with stable hashes and evaluations per column', async () => {
    const m = tinyManifest({ seeds: [1, 2] });
    const { resolved } = await loadExperiment(tmp.write('a.json', m), {});
    const cells = expandCells(resolved, 'wasm');
    assert.equal(cells.length, 2 * 2);
    assert.equal(new Set(cells.map((c) => c.hash)).size, 4);
    assert.ok(cells.every((c) => c.evaluations.length === 2 && c.fold === null));
    const again = expandCells((await loadExperiment(tmp.write('b.json', m), {})).resolved, 'wasm');
    assert.deepEqual(again.map((c) => c.hash), cells.map((c) => c.hash));
    assert.notDeepEqual(expandCells(resolved, 'cpu').map((c) => c.hash), cells.map((c) => c.hash), 'the backend is part of a cell');
  });

  it('k-fold trainings give one cell per fold; same-type test sets get the held-out fold, others do not', async () => {
    const ck = { type: 'ckplus', options: { root: '/data/CK+' } };
    const m = tinyManifest();
    m.rows = [{ name: 'M_Res' }];
    m.trainings = { ck: { datasets: [ck], folds: 3 } };
    m.columns = [
      { name: 'R8', training: 'ck', test: { dataset: ck }, evals: [{ label: 'R8', occluder: { type: 'block', options: { size: 8 } } }] },
      { name: 'synthetic', training: 'ck', test: { dataset: { type: 'synthetic-faces' } } },
    ];
    const { resolved } = await loadExperiment(tmp.write('folds.json', m), {});
    const cells = expandCells(resolved, 'wasm');
    assert.deepEqual(cells.map((c) => c.fold), [0, 1, 2]);
    cells.forEach((c, k) => {
      assert.deepEqual(c.config.training.datasets[0].options, { ...resolved.manifest.trainings.ck.datasets[0].options, fold: k, folds: 3 });
      assert.equal(c.evaluations[0].config.test.dataset.options!.fold, k);
      assert.equal(c.evaluations[1].config.test.dataset.options!.fold, undefined);
    });
  });

  it('folds on a dataset without fold options of its own: fer-run cuts subject folds, for the training and the same dataset as test set', async () => {
    const m = tinyManifest();
    m.trainings.lab.folds = 5;
    const { resolved } = await loadExperiment(tmp.write('subject-folds.json', m), {});
    const cells = expandCells(resolved, 'wasm');
    assert.equal(cells.length, 2 * 5);
    for (const c of cells) {
      assert.deepEqual((c.config.training.datasets[0] as DatasetRef).subjectFold, { fold: c.fold, folds: 5 });
      assert.equal((c.config.training.datasets[0].options as Record<string, unknown>).fold, undefined, 'the plugin options stay as they are');
      for (const e of c.evaluations) assert.deepEqual((e.config.test.dataset as DatasetRef).subjectFold, { fold: c.fold, folds: 5 });
    }
    assert.equal(new Set(cells.map((c) => c.hash)).size, 10);
  });

  it('pools held-out predictions over folds', () => {
    const cell = (fold: number, accuracy: number, images: number, correct: string) => ({
      cell: { row: 'A', seed: 1, fold, evaluations: [{ column: 'C', evalIndex: 0 }] } as any,
      dir: '',
      done: true,
      checkpoint: null,
      error: null,
      history: [],
      env: null,
      updated: null,
      evaluations: new Map([['C#0', { accuracy, images, correct } as any]]),
    });
    const results: CollectedResults = { backend: 'wasm', cells: [cell(1, 0.5, 2, '10'), cell(0, 1, 3, '111')] };
    assert.deepEqual(pooled(results, 'A', 1, 'C#0'), { accuracy: 4 / 5, correct: '11110' });
    assert.equal(pooled(results, 'A', 2, 'C#0'), null);
  });
});
