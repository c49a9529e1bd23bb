import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TOKENS } from '../../framework/di/container.js';
import type { Clock } from '../../framework/runs/clock.js';
import type { Launcher } from '../../framework/runs/launcher.js';
import { RecordStore } from '../../framework/runs/record-store.js';
import type { CellJob } from '../../framework/runs/run-cell.js';
import { useWasm } from '../helpers/backend.js';
import { tinyManifest } from '../helpers/manifests.js';
import { runManifest } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

/** One cell, one epoch: the smallest experiment with a record. */
function one(name: string): Record<string, any> {
  const m = tinyManifest({ name });
  m.rows = [{ name: 'M_ResAttAdv' }];
  return m;
}

describe('the record store and the run services in the container', () => {
  const tmp = tempDir('fer-run-store-');
  before(useWasm);
  after(() => tmp.cleanup());

  it("a record exported as data and imported elsewhere is the same record (every file but the checkpoint); importing it twice changes nothing", async () => {
    const runs = join(tmp.dir, 'src');
    const [o] = await runManifest(one('rec'), runs);
    const record = new RecordStore(runs).exportRecord('rec', o.cell.hash);
    assert.deepEqual(Object.keys(record.files).sort().filter((f) => !f.startsWith('evals/')), ['config.json', 'env.json', 'log.txt', 'metrics.json', 'metrics.jsonl', 'status.json']);
    assert.equal(Object.keys(record.files).filter((f) => f.startsWith('evals/')).length, o.cell.evaluations.length);
    const dest = new RecordStore(join(tmp.dir, 'dest'));
    for (let i = 0; i < 2; i++) {
      // A record travels as JSON (a queue job's result).
      const rd = dest.importRecord(JSON.parse(JSON.stringify(record)));
      for (const [name, text] of Object.entries(record.files)) assert.equal(readFileSync(join(rd.dir, name), 'utf8'), text, name);
      assert.deepEqual(readdirSync(rd.dir).sort(), ['config.json', 'env.json', 'evals', 'log.txt', 'metrics.json', 'metrics.jsonl', 'status.json'], 'no temporary file left, no checkpoint');
    }
    // Without its checkpoint, the imported cell is complete; with an evaluation missing too, it must train again (the weights are elsewhere).
    assert.deepEqual(dest.need('rec', o.cell), { kind: 'nothing' });
    const evalHash = o.cell.evaluations[0].hash;
    rmSync(dest.cell('rec', o.cell.hash).evalFile(evalHash));
    assert.deepEqual(dest.need('rec', o.cell), { kind: 'training' });
    rmSync(new RecordStore(runs).cell('rec', o.cell.hash).evalFile(evalHash));
    assert.deepEqual(new RecordStore(runs).need('rec', o.cell), { kind: 'evaluations', hashes: [evalHash] }, 'with its checkpoint, only the evaluation is run');
  });

  it('a record can never write outside its cell directory, whatever it names', () => {
    const store = new RecordStore(join(tmp.dir, 'guarded'));
    const base = { format: 1 as const, experiment: 'x', hash: 'abcdef0123456789', files: {} as Record<string, string> };
    assert.throws(() => store.importRecord({ ...base, files: { '../../escape.json': '{}' } }), /carries "\.\.\/\.\.\/escape\.json", which is not a file of a run directory/);
    assert.throws(() => store.importRecord({ ...base, files: { 'checkpoint/last.ckpt': 'x' } }), /not a file of a run directory/);
    assert.throws(() => store.importRecord({ ...base, experiment: '../up' }), /not a run directory/);
    assert.throws(() => store.importRecord({ ...base, hash: '../../etc' }), /not a run directory/);
    assert.equal(existsSync(join(tmp.dir, 'guarded')), false);
  });

  it('tests swap services in the container: the clock stamps every status and log line; the launcher is handed exactly the unfinished cells', async () => {
    const runs = join(tmp.dir, 'swapped');
    const fixed: Clock = { now: () => new Date('2031-05-06T07:08:09.000Z') };
    const [o] = await runManifest(one('clock'), runs, { swap: (c) => c.rebind<Clock>(TOKENS.Clock).toConstantValue(fixed) });
    assert.equal(JSON.parse(readFileSync(join(o.dir, 'status.json'), 'utf8')).updated, '2031-05-06T07:08:09.000Z');
    assert.ok(readFileSync(join(o.dir, 'log.txt'), 'utf8').split('\n').filter(Boolean).every((l) => l.startsWith('2031-05-06T07:08:09.000Z ')));
    // A second manifest with the first's cell and one more: the launcher sees only the new one.
    const m = tinyManifest({ name: 'clock' });
    m.rows = [{ name: 'M_ResAttAdv' }, m.rows[0]];
    const seen: CellJob[] = [];
    const recording: Launcher = {
      title: 'recording',
      async *launch(jobs, env) {
        seen.push(...jobs);
        for (const job of jobs) yield await env.runHere(job);
      },
    };
    const outcomes = await runManifest(m, runs, { swap: (c) => c.rebind<Launcher>(TOKENS.Launcher).toConstantValue(recording) });
    assert.deepEqual(seen.map((j) => j.cell.row), ['M_Res']);
    assert.deepEqual(outcomes.map((x) => [x.cell.row, x.status]), [['M_ResAttAdv', 'reused'], ['M_Res', 'done']]);
  });
});
