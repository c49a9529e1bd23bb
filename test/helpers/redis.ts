import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it (openssl), for a TLS Redis. */
export function testCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => join(dir, n);
  const openssl = (...args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=fer-run test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '1', '-extfile', f('san.ext'));
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

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
    readonly tls?: { ca: string; cert: string; key: string },
  ) {}

  /** Started on a free port; with `tls`, it speaks TLS only (rediss://). */
  static async start(password?: string, tls?: { ca: string; cert: string; key: string }): Promise<TestRedis> {
    const r = new TestRedis(await freePort(), password, tls);
    await r.up();
    return r;
  }

  get url(): string {
    return `${this.tls ? 'rediss' : 'redis'}://${this.password ? `:${this.password}@` : ''}127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const listen = this.tls
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', this.tls.cert, '--tls-key-file', this.tls.key, '--tls-ca-cert-file', this.tls.ca, '--tls-auth-clients', 'no']
      : ['--port', String(this.port)];
    const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', ...(this.password ? ['--requirepass', this.password] : [])];
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
