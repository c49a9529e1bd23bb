import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { RunError } from '../errors.js';

/**
 * The parallel executor: `fer-run run --jobs N` starts N copies of itself, each training the
 * cells i with i % N = k (`--shard k/N`). Cells are self-contained (resolved config in, run
 * directory out) and the image cache is written atomically, so the copies share nothing else.
 * Returns once all have finished; their output goes straight to this process's.
 */
export async function runShards(argv: string[], jobs: number): Promise<void> {
  const script = process.argv[1];
  // Each worker's compute threads (oneDNN's OpenMP threads on native, XNNPACK's pool on wasm, both
  // sized by OMP_NUM_THREADS) would otherwise take every core: share them out.
  const env = { ...process.env, OMP_NUM_THREADS: process.env.OMP_NUM_THREADS ?? String(Math.max(1, Math.floor(cpus().length / jobs))) };
  const codes = await Promise.all(
    Array.from({ length: jobs }, (_, k) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [...process.execArgv, script, ...argv, '--shard', `${k}/${jobs}`, '--no-report'], { stdio: 'inherit', env });
        child.on('exit', (code) => resolve(code ?? 1));
        child.on('error', () => resolve(1));
      }),
    ),
  );
  if (codes.some((c) => c === 2)) throw new RunError('a worker process rejected its input (see its message above).');
  if (codes.some((c) => c !== 0)) throw new RunError(`${codes.filter((c) => c !== 0).length} of ${jobs} worker processes failed (see their messages above).`);
}
