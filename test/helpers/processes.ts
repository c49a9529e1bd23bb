import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../framework/paths.js';

/** fer-run as its own process (node + tsx directly, no npx in between: a signal reaches fer-run itself). */
export interface FerRunProcess {
  proc: ChildProcess;
  /** Everything it printed on stderr so far. */
  readonly stderr: string;
  readonly stdout: string;
  /** Resolves with the exit code (or 128 + signal number's stand-in, -1) once it ends. */
  exited: Promise<number>;
  /** Resolves once stderr matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** SIGTERM, then the exit. */
  stop(): Promise<number>;
}

export function ferRun(args: string[], env: Record<string, string> = {}): FerRunProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'framework/cli/main.ts'), ...args], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of [...waiters]) if (w.pattern.test(stderr)) (waiters.splice(waiters.indexOf(w), 1), w.resolve());
  });
  proc.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number>((resolve) => proc.on('exit', (code) => resolve(code ?? -1)));
  return {
    proc,
    get stderr() {
      return stderr;
    },
    get stdout() {
      return stdout;
    },
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      if (pattern.test(stderr)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`fer-run ${args[0]} did not print ${pattern} in ${timeoutMs / 1000} s; it printed:\n${stderr}`)), timeoutMs);
        waiters.push({ pattern, resolve: () => (clearTimeout(t), resolve()) });
        void exited.then(() => setTimeout(() => reject(new Error(`fer-run ${args[0]} ended without printing ${pattern}; it printed:\n${stderr}`)), 50));
      });
    },
    stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}
