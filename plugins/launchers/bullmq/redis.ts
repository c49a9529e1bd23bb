import type { Redis, RedisOptions } from 'ioredis';
import { InputError } from '../../../framework/index.js';

/** A Redis URL with its password hidden, for messages. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

const HOWTO =
  'Give a URL like redis://host:6379, redis://:password@host:6379/0 or rediss://host:6380 (TLS), and check that Redis runs there ' +
  "(Debian: apt-get install redis-server; or redis-server --port 6379 --bind 127.0.0.1 for a try on this machine).";

/** The URL checked for shape: redis:// or rediss://, a host, a numeric port and database when given. */
export function parseRedisUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError(`Redis URL "${redactedUrl(url)}" is not a URL. ${HOWTO}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new InputError(`Redis URL "${redactedUrl(url)}": the scheme must be redis:// or rediss:// (TLS), not ${u.protocol}//. ${HOWTO}`);
  if (!u.hostname) throw new InputError(`Redis URL "${redactedUrl(url)}" names no host. ${HOWTO}`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new InputError(`Redis URL "${redactedUrl(url)}": the path must be a database number (/0, /1 ...), not /${db}. ${HOWTO}`);
  return u;
}

/**
 * A connection for BullMQ's long-lived clients (ioredis is loaded only when a launch or a worker
 * needs it, not whenever the plugins are listed): commands wait while Redis is away (a
 * restart mid-sweep) and the client reconnects every second or two, for as long as it takes.
 */
export async function connect(url: string, onError: (e: Error) => void): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (times) => Math.min(250 * times, 2000) } satisfies RedisOptions);
  client.on('error', onError);
  return client;
}

/**
 * One try to reach Redis before anything is queued: a clear exit-2 error for an unreachable
 * host, a refused password or a Redis too old for BullMQ, instead of a client retrying forever.
 */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<void> {
  parseRedisUrl(url);
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: timeoutMs, retryStrategy: () => null, enableReadyCheck: false });
  // The socket's own error (ECONNREFUSED ...) arrives as an event; the rejected promise only says the connection closed.
  let socketError: Error | null = null;
  client.on('error', (e: Error) => (socketError ??= e));
  const shown = redactedUrl(url);
  try {
    await Promise.race([
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer in ${timeoutMs / 1000} s`)), timeoutMs).unref()),
    ]);
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '0';
    const [major, minor] = version.split('.').map(Number);
    if (major < 6 || (major === 6 && minor < 2)) throw new InputError(`Redis at ${shown} is version ${version}; BullMQ needs 6.2 or later. Upgrade Redis (Debian 12's redis-server is 7.0).`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const m = `${(e as Error).message} ${(socketError as Error | null)?.message ?? ''}`;
    const why = /NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(m)
      ? 'it refused the password (give it in the URL: redis://:password@host:port, or user:password@ with ACLs)'
      : /ENOTFOUND|EAI_AGAIN/.test(m)
        ? 'the host name does not resolve'
        : /ECONNREFUSED/.test(m)
          ? 'nothing accepts connections there'
          : (socketError as Error | null)?.message ?? (e as Error).message;
    throw new InputError(`cannot use Redis at ${shown}: ${why}. ${HOWTO}`);
  } finally {
    client.disconnect();
  }
}
