import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MAX_WASM_THREADS, wasmThreadCount } from '../../framework/engine/wasm-threads.js';
import { PROJECT_ROOT } from '../../framework/paths.js';

/** Runs test/helpers/wasm-steps.ts with OMP_NUM_THREADS = threads (and TMPDIR = tmpdir); it must end by itself. */
function trainIn(threads: number, tmpdir?: string) {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/helpers/wasm-steps.ts'), ...(tmpdir ? [tmpdir] : [])], { encoding: 'utf8', env, timeout: 60_000 });
  assert.equal(r.signal, null, `the process did not exit by itself (killed by ${r.signal}): XNNPACK's threads keep it alive`);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { threads: number; notice?: string; workers: { running: number; idle: number } | null; losses: unknown[]; tensors: [number, number] };
}

describe('wasm backend with XNNPACK threads under Node', () => {
  const saved = process.env.OMP_NUM_THREADS;
  afterEach(() => (saved === undefined ? delete process.env.OMP_NUM_THREADS : (process.env.OMP_NUM_THREADS = saved)));

  it('uses OMP_NUM_THREADS threads when set, else every core, at most the 8 workers of the build', () => {
    process.env.OMP_NUM_THREADS = '3';
    assert.equal(wasmThreadCount(), 3);
    process.env.OMP_NUM_THREADS = '64';
    assert.equal(wasmThreadCount(), MAX_WASM_THREADS);
    process.env.OMP_NUM_THREADS = 'x';
    assert.equal(wasmThreadCount(), Math.min(MAX_WASM_THREADS, availableParallelism()));
  });

  it('two threads train to exactly the losses of one, with one worker, a flat tensor count, and the process exits by itself', function () {
    this.timeout(120_000);
    const one = trainIn(1);
    const two = trainIn(2);
    assert.equal(one.threads, 1);
    assert.equal(two.threads, 2, 'XNNPACK runs a pool of 2 threads (tfjs alone would give 1 on a 2-vCPU machine)');
    assert.deepEqual(two.workers, { running: 1, idle: 0 }, "one worker beside the main thread, and none of Emscripten's 7 other pre-started workers left idle");
    assert.deepEqual(two.losses, one.losses);
    assert.equal(two.tensors[1], two.tensors[0], 'tensor count grew over 10 steps');
  });

  it('when the threaded build cannot load (no usable temporary folder), wasm trains on one thread with a notice saying why', function () {
    this.timeout(120_000);
    const r = trainIn(2, join(PROJECT_ROOT, 'package.json')); // a file: the worker script cannot be written below it
    assert.equal(r.threads, 1);
    assert.match(r.notice ?? '', /^XNNPACK's threads unavailable \(.*package\.json.*\); wasm runs on one thread\.$/);
    assert.deepEqual(r.losses, trainIn(1).losses);
  });
});
