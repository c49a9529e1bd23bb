import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { epochLog, evaluations, runManifest } from '../helpers/run.js';
import { tinyManifest } from '../helpers/manifests.js';
import { ferRun, type FerRunProcess } from '../helpers/processes.js';
import { freePort, redisAvailable, TestRedis, testCertificates } from '../helpers/redis.js';
import { tempDir } from '../helpers/tmp.js';

/** Always fails when built: a cell that fails the same way on every attempt. */
const EXPLODING_BACKBONE = `export default {
  kind: 'backbone', name: 'exploding', description: 'fails on purpose (tests)',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  create() { throw new Error('the exploding backbone always fails'); },
};
`;

describe('the bullmq launcher: bad Redis URLs and an unreachable Redis', () => {
  const tmp = tempDir('fer-run-bullmq-url-');
  after(() => tmp.cleanup());

  for (const [what, url, message] of [
    ['not a URL', 'localhost', /Redis URL "localhost" is not a URL/],
    ['another scheme', 'http://127.0.0.1:6379', /the scheme must be redis:\/\/ or rediss:\/\/ \(TLS\), not http:\/\//],
    ['a path that is not a database', 'redis://127.0.0.1:6379/queues', /the path must be a database number/],
  ] as const) {
    it(`${what}: exit 2 with one paragraph saying what a Redis URL looks like`, async () => {
      const r = ferRun(['run', tmp.write('m.json', tinyManifest()), '--redis', url, '--backend', 'wasm', '--runs', join(tmp.dir, 'runs')]);
      assert.equal(await r.exited, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /redis:\/\/:password@host:6379\/0/);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('nothing listening there: exit 2 within seconds, for the submitter and for a worker, the password never printed', async () => {
    const url = `redis://:hunter2@127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const sub = ferRun(['run', tmp.write('m.json', tinyManifest()), '--redis', url, '--backend', 'wasm', '--runs', join(tmp.dir, 'runs')]);
    const worker = ferRun(['worker', '--redis', url, '--backend', 'wasm']);
    assert.equal(await sub.exited, 2, sub.stderr);
    assert.equal(await worker.exited, 2, worker.stderr);
    assert.ok(Date.now() - started < 30_000, 'never a hang');
    for (const p of [sub, worker]) {
      assert.match(p.stderr, /cannot use Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: nothing accepts connections there/);
      assert.doesNotMatch(p.stderr, /hunter2/);
    }
  });
});

describe('the bullmq launcher: cells on workers over Redis', function () {
  // Workers start child processes per cell (plugins, backend), so these take seconds each.
  this.timeout(180_000);
  const tmp = tempDir('fer-run-bullmq-');
  let redis: TestRedis;
  const workers: FerRunProcess[] = [];
  const cache = () => join(tmp.dir, 'cache');
  const startWorker = (queue: string, ...extra: string[]) => {
    const w = ferRun(['worker', '--redis', redis.url, '--queue', queue, '--backend', 'wasm', '--cache', cache(), '--lock-seconds', '2', ...extra]);
    workers.push(w);
    return w;
  };
  const submitters: FerRunProcess[] = [];
  const submit = (manifest: Record<string, unknown>, runs: string, ...extra: string[]) => {
    const s = ferRun(['run', tmp.write(`${manifest.name}.json`, manifest), '--backend', 'wasm', '--runs', join(tmp.dir, runs), '--reports', join(tmp.dir, `reports-${runs}`), '--cache', cache(), ...extra]);
    submitters.push(s);
    return s;
  };
  const bullmq = (queue: string, options: Record<string, unknown> = {}) => ({ type: 'bullmq', options: { redis: redis.url, queue, pollSeconds: 0.2, ...options } });
  const cellDirs = (runs: string, experiment: string) => readdirSync(join(tmp.dir, runs, experiment)).map((h) => join(tmp.dir, runs, experiment, h));

  before(async function () {
    if (!redisAvailable()) this.skip();
    redis = await TestRedis.start('s3cret');
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await Promise.all(submitters.splice(0).map((s) => s.stop()));
  });
  after(async () => {
    await redis?.down();
    tmp.cleanup();
  });

  it('a Redis that wants a password refuses a URL without one: exit 2 saying so', async () => {
    const r = submit(tinyManifest({ name: 'nopass' }), 'runs-nopass', '--redis', redis.url.replace(':s3cret@', ''));
    assert.equal(await r.exited, 2, r.stderr);
    assert.match(r.stderr, /it refused the password \(give it in the URL: redis:\/\/:password@host:port/);
  });

  it("two workers train the sweep; each record arrives whole in the submitter's runs/, with the numbers of the local launcher; submitting again is a no-op", async () => {
    const m = tinyManifest({ name: 'sweep', launcher: bullmq('sweep') });
    const w1 = startWorker('sweep');
    const w2 = startWorker('sweep');
    await Promise.all([w1, w2].map((w) => w.waitFor(/taking cells from sweep\.wasm/)));
    const r = submit(m, 'runs');
    assert.equal(await r.exited, 0, r.stderr);
    assert.match(r.stderr, /2 cell\(s\): 2 trained, 0 reused, 0 failed, in \d+ s \(BullMQ workers via redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/?\)/);
    assert.doesNotMatch(r.stderr, /s3cret/);
    // Both workers took a cell (each trains one at a time).
    for (const w of [w1, w2]) assert.match(w.stderr, /: training \(cell [0-9a-f]+, attempt 1\)/);
    const dirs = cellDirs('runs', 'sweep');
    assert.equal(dirs.length, 2);
    const local = await runManifest({ ...m, launcher: { type: 'local' } }, join(tmp.dir, 'runs-local'));
    for (const o of local) {
      const remote = join(tmp.dir, 'runs', 'sweep', o.cell.hash);
      for (const f of ['config.json', 'env.json', 'status.json', 'metrics.jsonl', 'metrics.json', 'log.txt']) assert.ok(existsSync(join(remote, f)), `${f} of ${o.cell.row} seed ${o.cell.seed}`);
      assert.equal(JSON.parse(readFileSync(join(remote, 'status.json'), 'utf8')).status, 'done');
      assert.deepEqual(epochLog(remote), epochLog(o.dir), `${o.cell.row} seed ${o.cell.seed}: same metrics on any launcher`);
      assert.deepEqual(evaluations(remote), evaluations(o.dir));
    }
    assert.match(readFileSync(join(tmp.dir, 'reports-runs', 'sweep', 'table.md'), 'utf8'), /\| M_ResAttAdv \(ours\) \| \**\d\.\d{4}/);
    // The same sweep from a machine with an empty runs/: the jobs (ids = cell hashes) are done, so their records come back without training.
    const trainedBefore = (w1.stderr + w2.stderr).match(/: training \(cell/g)!.length;
    const again = submit(m, 'runs-again');
    assert.equal(await again.exited, 0, again.stderr);
    assert.match(again.stderr, /2 cell\(s\): 0 trained, 2 reused, 0 failed/);
    assert.equal((w1.stderr + w2.stderr).match(/: training \(cell/g)!.length, trainedBefore, 'no cell trained twice');
    for (const o of local) assert.deepEqual(epochLog(join(tmp.dir, 'runs-again', 'sweep', o.cell.hash)), epochLog(o.dir));
  });

  it('a worker killed with -9 mid-cell: its cell goes to another worker, which resumes it from the shared checkpoint; the numbers are those of an uninterrupted run', async () => {
    const data = { type: 'synthetic-faces', options: { preset: 'lab', train: 160, test: 24 } };
    const base = tinyManifest({ name: 'killed', launcher: bullmq('killed') });
    const m = { ...base, rows: [base.rows[0]], trainings: { lab: { ...base.trainings.lab, datasets: [data], epochs: 6 } } };
    const shared = join(tmp.dir, 'shared-checkpoints');
    const a = startWorker('killed', '--checkpoints', shared);
    const r = submit(m, 'runs-killed');
    // Once the first epoch's checkpoint is on the shared directory, kill the worker outright.
    const deadline = Date.now() + 90_000;
    const ckpt = () => existsSync(join(shared, 'killed')) && readdirSync(join(shared, 'killed')).some((h) => existsSync(join(shared, 'killed', h, 'checkpoint', 'last.ckpt')));
    while (!ckpt()) {
      assert.ok(Date.now() < deadline, `no checkpoint appeared; worker said:\n${a.stderr}`);
      await new Promise((res) => setTimeout(res, 100));
    }
    a.proc.kill('SIGKILL');
    await a.exited;
    // Its cell runner (a child) ends with it rather than train for nobody.
    await new Promise((res) => setTimeout(res, 1500));
    assert.equal(spawnSync('pgrep', ['-f', 'cell-runner-child']).stdout.toString().trim(), '', 'no orphaned cell runner');
    const b = startWorker('killed', '--checkpoints', shared);
    assert.equal(await r.exited, 0, r.stderr);
    assert.match(b.stderr, /training \(cell [0-9a-f]+, attempt 2\)/);
    const [dir] = cellDirs('runs-killed', 'killed');
    assert.match(readFileSync(join(dir, 'log.txt'), 'utf8'), /resuming from the checkpoint of epoch \d of 6/);
    const [local] = await runManifest({ ...m, launcher: { type: 'local' } }, join(tmp.dir, 'runs-killed-local'));
    assert.deepEqual(epochLog(dir), epochLog(local.dir));
    assert.deepEqual(evaluations(dir), evaluations(local.dir));
  });

  it('Redis restarted mid-sweep (its data lost): submitter and worker reconnect, the lost cells are queued again, and the sweep finishes', async () => {
    const m = tinyManifest({ name: 'restart', launcher: bullmq('restart') });
    startWorker('restart');
    const r = submit(m, 'runs-restart');
    await r.waitFor(/1\/2 cells finished/, 90_000);
    await redis.down();
    await new Promise((res) => setTimeout(res, 1000));
    await redis.up();
    assert.equal(await r.exited, 0, r.stderr);
    assert.match(r.stderr, /lost Redis at/);
    assert.match(r.stderr, /is no longer in Redis \(restarted without persistence\?\): queued again/);
    assert.match(r.stderr, /2 cell\(s\): 2 trained, 0 reused, 0 failed/);
    for (const d of cellDirs('runs-restart', 'restart')) assert.equal(JSON.parse(readFileSync(join(d, 'status.json'), 'utf8')).status, 'done');
  });

  it('a cell that fails every time fails after the configured attempts, with its error in the report; the rest of the sweep finishes', async () => {
    const plugins = join(tmp.dir, 'plugins');
    tmp.write('plugins/exploding/plugin.js', EXPLODING_BACKBONE);
    const base = tinyManifest({ name: 'failing', launcher: bullmq('failing', { attempts: 2 }) });
    const m = { ...base, rows: [base.rows[0], { name: 'Broken', set: { 'model.backbone': { type: 'exploding' } } }] };
    startWorker('failing', '--plugins', plugins);
    const r = submit(m, 'runs-failing', '--plugins', plugins);
    assert.equal(await r.exited, 1, r.stderr);
    assert.match(r.stderr, /2 cell\(s\): 1 trained, 0 reused, 1 failed/);
    assert.match(r.stderr, /Broken\/lab\/seed 1: the exploding backbone always fails \(after 2 attempts on BullMQ workers\)/);
    const report = readFileSync(join(tmp.dir, 'reports-runs-failing', 'failing', 'table.md'), 'utf8');
    assert.match(report, /> 1 of them failed:\n> - Broken · lab · seed 1: the exploding backbone always fails \(after 2 attempts/);
    assert.match(report, /\| M_Res \(ours\) \| \**\d\.\d{4}/);
  });

  it('a worker refuses a cell submitted with another plugin set, saying which plugins differ', async () => {
    const plugins = join(tmp.dir, 'plugins');
    tmp.write('plugins/exploding/plugin.js', EXPLODING_BACKBONE);
    startWorker('mismatch');
    const m = tinyManifest({ name: 'mismatch', rows: [tinyManifest().rows[0]], launcher: bullmq('mismatch') });
    const r = submit(m, 'runs-mismatch', '--plugins', plugins);
    assert.equal(await r.exited, 1, r.stderr);
    assert.match(r.stderr, /refused the cell: the plugin sets differ \(the submitter has backbone\/exploding, this worker does not\)\. Run the same fer-run version with the same plugins/);
    assert.match(r.stderr, /after 1 attempt on BullMQ workers/, 'a refusal is not retried');
  });
});

describe('the bullmq launcher over TLS (rediss://)', function () {
  this.timeout(120_000);
  const tmp = tempDir('fer-run-bullmq-tls-');
  let redis: TestRedis;
  let ca = '';
  const procs: FerRunProcess[] = [];

  before(async function () {
    if (!redisAvailable()) this.skip();
    const certs = testCertificates(tmp.dir);
    ca = certs.ca;
    redis = await TestRedis.start('s3cret', certs);
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.stop()));
  });
  after(async () => {
    await redis?.down();
    tmp.cleanup();
  });

  const run = (env: Record<string, string>) => {
    const m = tinyManifest({ name: 'tls', rows: [tinyManifest().rows[0]], launcher: { type: 'bullmq', options: { redis: redis.url, queue: 'tls', pollSeconds: 0.2 } } });
    const p = ferRun(['run', tmp.write('m.json', m), '--backend', 'wasm', '--runs', join(tmp.dir, 'runs'), '--reports', join(tmp.dir, 'reports'), '--cache', join(tmp.dir, 'cache')], env);
    procs.push(p);
    return p;
  };

  it("a server certificate the client does not trust: exit 2 naming the TLS failure", async () => {
    const r = run({});
    assert.equal(await r.exited, 2, r.stderr);
    assert.match(r.stderr, /cannot use Redis at rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*(certificate|self[- ]signed)/i);
  });

  it('with the CA trusted (NODE_EXTRA_CA_CERTS), submitter and worker run a sweep over TLS', async () => {
    const env = { NODE_EXTRA_CA_CERTS: ca };
    const w = ferRun(['worker', '--redis', redis.url, '--queue', 'tls', '--backend', 'wasm', '--cache', join(tmp.dir, 'cache')], env);
    procs.push(w);
    const r = run(env);
    assert.equal(await r.exited, 0, r.stderr);
    assert.match(r.stderr, /1 cell\(s\): 1 trained, 0 reused, 0 failed, in \d+ s \(BullMQ workers via rediss:\/\/:\*\*\*@127\.0\.0\.1:\d+/);
    assert.match(w.stderr, /training \(cell [0-9a-f]+, attempt 1\)/);
  });
});
