import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../framework/runs/atomic.js';
import { canonicalJson, configHash } from '../../framework/runs/hash.js';
import { useWasm } from '../helpers/backend.js';
import { tinyManifest } from '../helpers/manifests.js';
import { epochLog, evaluations, runManifest } from '../helpers/run.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** One row, one seed, two epochs: the smallest experiment with a resumable middle. */
function small(): Record<string, any> {
  const m = tinyManifest();
  m.rows = [{ name: 'M_ResAttAdv' }];
  m.trainings.lab.epochs = 2;
  return m;
}

describe('run records', () => {
  const tmp = tempDir();
  before(useWasm);
  after(() => tmp.cleanup());

  it("a cell whose run directory cannot be written when it fails still reports its own error, not the record's", async () => {
    // A training occluder that replaces the cell's run directory with a file, then fails: as a
    // disk that fills up or a directory removed under a running cell.
    tmp.write('vanishing/occluder/plugin.js', `
import { rmSync, writeFileSync } from 'node:fs';
export default {
  kind: 'occluder', name: 'vanishing', description: 'fails after removing the run directory',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create(o, ctx) {
    rmSync(ctx.runDir, { recursive: true, force: true });
    writeFileSync(ctx.runDir, 'not a directory');
    throw new Error('the vanishing occluder failed');
  },
};
`);
    const m = small();
    m.trainings.lab.occluder = { type: 'vanishing' };
    const file = tmp.write('vanishing.json', m);
    const r = await cli('run', file, '--plugins', join(tmp.dir, 'vanishing'), '--runs', join(tmp.dir, 'vanishing-runs'), '--reports', join(tmp.dir, 'vanishing-reports'), '--no-report');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /1 cell\(s\) failed: M_ResAttAdv\/lab\/seed 1: the vanishing occluder failed; its run record could not be written either \((EEXIST|ENOTDIR)/);
    assert.ok(!r.stderr.includes('internal error'), r.stderr);
  });

  it('hashes configs canonically (key order does not matter)', () => {
    assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
    assert.equal(configHash({ x: 1, y: 2 }), configHash({ y: 2, x: 1 }));
    assert.notEqual(configHash({ x: 1 }), configHash({ x: 2 }));
  });

  it('writes atomically: the file appears whole and no temporary file is left', () => {
    const f = join(tmp.dir, 'atomic', 'x.json');
    writeJsonAtomic(f, { a: 1 });
    writeJsonAtomic(f, { a: 2 });
    assert.deepEqual(JSON.parse(readFileSync(f, 'utf8')), { a: 2 });
    assert.deepEqual(readdirSync(join(tmp.dir, 'atomic')), ['x.json']);
  });

  it('records config, environment, status, metrics and evaluations; a re-run reuses the finished cell', async () => {
    const runs = join(tmp.dir, 'a', 'runs');
    const [first] = await runManifest(small(), runs);
    assert.equal(first.status, 'done');
    for (const f of ['config.json', 'env.json', 'status.json', 'metrics.jsonl', 'metrics.json', 'log.txt', 'checkpoint/last.ckpt']) {
      assert.ok(existsSync(join(first.dir, f)), `${f} missing`);
    }
    const env = JSON.parse(readFileSync(join(first.dir, 'env.json'), 'utf8'));
    assert.equal(env.backend, 'wasm');
    assert.ok(env.node && env.tfjs && env.cpu);
    assert.ok('git' in env);
    const config = JSON.parse(readFileSync(join(first.dir, 'config.json'), 'utf8'));
    assert.equal(config.seed, 1);
    assert.equal(config.model.lambda1, 0.1, 'defaults are written out');
    assert.equal(JSON.parse(readFileSync(join(first.dir, 'status.json'), 'utf8')).status, 'done');
    const metrics = JSON.parse(readFileSync(join(first.dir, 'metrics.json'), 'utf8'));
    assert.equal(metrics.evaluations.length, 2);
    assert.equal(epochLog(first.dir).length, 2);

    const [again] = await runManifest(small(), runs);
    assert.equal(again.status, 'reused');
    assert.equal(again.dir, first.dir);
    const [forced] = await runManifest(small(), runs, { force: true });
    assert.equal(forced.status, 'done');
  });

  it('same manifest and seed on the same backend give identical metrics', async () => {
    const [a] = await runManifest(small(), join(tmp.dir, 'det1', 'runs'));
    const [b] = await runManifest(small(), join(tmp.dir, 'det2', 'runs'));
    assert.deepEqual(epochLog(a.dir), epochLog(b.dir));
    assert.deepEqual(evaluations(a.dir), evaluations(b.dir));
    const m = small();
    m.seeds = [2];
    const [c] = await runManifest(m, join(tmp.dir, 'det3', 'runs'));
    assert.notDeepEqual(epochLog(a.dir), epochLog(c.dir));
  });

  it('batches prepared ahead on a worker thread give exactly the metrics of inline batches', async () => {
    const [worker] = await runManifest(small(), join(tmp.dir, 'pf1', 'runs'));
    const [inline] = await runManifest(small(), join(tmp.dir, 'pf2', 'runs'), { prefetch: false });
    assert.deepEqual(epochLog(worker.dir), epochLog(inline.dir));
    assert.deepEqual(evaluations(worker.dir), evaluations(inline.dir));
  });

  it('an interrupted cell resumes from its checkpoint and ends exactly like an uninterrupted one', async () => {
    const whole = await runManifest(small(), join(tmp.dir, 'whole', 'runs'));
    const runs = join(tmp.dir, 'parts', 'runs');
    const [half] = await runManifest(small(), runs, { stopAfterEpochs: 1 });
    assert.equal(half.status, 'interrupted');
    assert.equal(JSON.parse(readFileSync(join(half.dir, 'status.json'), 'utf8')).status, 'running');
    assert.equal(epochLog(half.dir).length, 1);
    const [rest] = await runManifest(small(), runs);
    assert.equal(rest.status, 'done');
    assert.deepEqual(epochLog(rest.dir), epochLog(whole[0].dir));
    assert.deepEqual(evaluations(rest.dir), evaluations(whole[0].dir));
  });

  it('adding a column evaluates the finished model without retraining', async () => {
    const runs = join(tmp.dir, 'addcol', 'runs');
    const m = small();
    const [first] = await runManifest(m, runs);
    const log1 = epochLog(first.dir);
    m.columns.push({ name: 'clean', training: 'lab', test: m.columns[0].test, evals: [{ label: 'clean' }] });
    const [second] = await runManifest(m, runs);
    assert.equal(second.status, 'reused');
    assert.deepEqual(epochLog(second.dir), log1, 'no new epochs');
    assert.equal(Object.keys(evaluations(second.dir)).length, 3);
  });
});
