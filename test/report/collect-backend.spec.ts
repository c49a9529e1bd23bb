import assert from 'node:assert/strict';
import { loadExperiment } from '../../framework/cli/session.js';
import { BACKENDS } from '../../framework/engine/backends.js';
import { collectResults } from '../../framework/report/collect.js';
import { writeJsonAtomic } from '../../framework/runs/atomic.js';
import { expandCells } from '../../framework/runs/cells.js';
import { RecordStore } from '../../framework/runs/record-store.js';
import { tinyManifest } from '../helpers/manifests.js';
import { tempDir } from '../helpers/tmp.js';

describe("the report finds the runs of the manifest's backend, any backend", () => {
  const tmp = tempDir('fer-run-collect-');
  after(() => tmp.cleanup());

  /** Marks `count` cells of the experiment finished on `backend`, each with one evaluation. */
  function finish(resolved: Parameters<typeof expandCells>[0], backend: string, count: number): void {
    for (const cell of expandCells(resolved, backend).slice(0, count)) {
      const rd = new RecordStore(`${tmp.dir}/runs`).cell(resolved.manifest.name, cell.hash);
      rd.setStatus('done');
      writeJsonAtomic(rd.evalFile(cell.evaluations[0].hash), { accuracy: 0.5, images: 2, correct: '10' });
    }
  }

  it('every backend of the one list, native among them, is searched; auto takes the one with the most finished cells', async () => {
    assert.ok(BACKENDS.includes('native'));
    const file = tmp.write('m.json', tinyManifest({ name: 'collect', seeds: [1, 2] }));
    const { resolved } = await loadExperiment(file, {});
    finish(resolved, 'native', 4);
    finish(resolved, 'wasm', 2);
    const auto = collectResults(resolved, `${tmp.dir}/runs`);
    assert.equal(auto.backend, 'native');
    assert.equal(auto.cells.filter((c) => c.done).length, 4);
    const wasm = collectResults(resolved, `${tmp.dir}/runs`, 'wasm');
    assert.equal(wasm.cells.filter((c) => c.done).length, 2);
    for (const b of BACKENDS) {
      const fresh = tmp.write(`${b}.json`, tinyManifest({ name: `only-${b}` }));
      const r = (await loadExperiment(fresh, {})).resolved;
      finish(r, b, 1);
      assert.equal(collectResults(r, `${tmp.dir}/runs`).backend, b, `runs made on ${b} are found under auto`);
    }
  });
});
