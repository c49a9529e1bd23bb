import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../framework/paths.js';

interface Fault {
  kernel: string;
  thread: number;
  message: string;
  recomputed: boolean;
}

/** Runs test/helpers/simd-stress.ts on `threads` wasm threads (1: tfjs's single-threaded build). */
function stress(threads: number, mode?: 'inject' | 'trap') {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'test/helpers/simd-stress.ts'), ...(mode ? [mode] : [])], { encoding: 'utf8', env, timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  return JSON.parse(r.stdout) as { threads: number; calls: number; growths: number; digest: string; tensors: [number, number]; faults: Fault[]; error?: string };
}

describe("fer-run's SIMD kernel pool under stress (wasm heap growing between and around calls)", function () {
  this.timeout(300_000);
  let single: ReturnType<typeof stress>;
  before(() => (single = stress(1)));

  it('thousands of calls on 2 threads while the heap grows give bit for bit the results of the single-threaded build, with no worker fault', () => {
    const two = stress(2);
    assert.equal(single.threads, 1);
    assert.equal(two.threads, 2);
    assert.ok(two.calls >= 4000, `${two.calls} pool calls`);
    assert.ok(two.growths >= 20, `the heap grew only ${two.growths} times`);
    assert.deepEqual(two.faults, []);
    assert.equal(two.digest, single.digest);
    assert.equal(two.tensors[1], two.tensors[0], 'tensor count');
  });

  it("a worker's share that fails is recomputed by the calling thread: same bits, and every fault is counted with its kernel, thread and message", () => {
    const two = stress(2, 'inject');
    assert.equal(two.digest, single.digest);
    assert.equal(two.faults.length, Math.ceil(600 / 7), 'one injected fault every 7th of 600 rounds');
    for (const f of two.faults) assert.deepEqual({ thread: f.thread, message: f.message, recomputed: f.recomputed }, { thread: 1, message: 'injected fault', recomputed: true });
    assert.ok(two.faults.every((f) => ['bn_stats', 'filter_grad', 'phase_filter'].includes(f.kernel)), two.faults.map((f) => f.kernel).join(' '));
  });

  it("a share that fails on the worker and again on the calling thread throws the worker's real error, the kernel and the thread index", () => {
    const r = stress(2, 'trap');
    assert.equal(r.error, "fer-run's SIMD kernel bn_apply failed on worker thread 1 of 2 (memory access out of bounds), and again on the calling thread (memory access out of bounds)");
    assert.deepEqual(r.faults.map((f) => [f.kernel, f.thread, f.recomputed]), [['bn_apply', 1, false]]);
  });
});
