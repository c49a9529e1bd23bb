import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** Debian's redis-server, when installed (CI installs it and sets FER_RUN_REQUIRE_REDIS=1, so there the tests never skip). */
export function redisAvailable(): boolean {
  const ok = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;
  if (!ok && process.env.FER_RUN_REQUIRE_REDIS === '1') throw new Error('redis-server is not installed, and FER_RUN_REQUIRE_REDIS=1 says the Redis tests must run (apt-get install redis-server)');
  return ok;
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A throwaway Redis on loopback, without persistence (as ENVIRONMENT.md starts it), optionally with a password. */
export class TestRedis {
  private proc: ChildProcess | null = null;
  constructor(
    readonly port: number,
    readonly password?: string,
  ) {}

  static async start(password?: string): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), password);
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://${this.password ? `:${this.password}@` : ''}127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', ...(this.password ? ['--requirepass', this.password] : [])];
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/Ready to accept connections/.test(out)) resolve();
      });
      proc.on('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${out}`)));
    });
  }

  /** Kills Redis outright (its data is gone: no persistence). */
  async down(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
    this.proc = null;
  }
}
