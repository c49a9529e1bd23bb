import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { writeJsonAtomic } from '../runs/atomic.js';
import type { Regions, Sample, SampleSource } from './dataset.js';

/** What is kept of a sample besides its pixels. */
export interface SampleRecord {
  id: string;
  label: number;
  subject?: string;
  regions?: Regions;
}

export type Produced = { image: Uint8Array; record: SampleRecord } | { skipped: string; id: string };

interface CacheMeta {
  format: 'fer-run-image-cache/1';
  size: number;
  records: SampleRecord[];
  skipped: { id: string; reason: string }[];
}

/** Whole files up to this size are held in memory; larger ones (AffectNet) are read per sample. */
const IN_MEMORY_LIMIT = 1 << 30;

class CachedSource implements SampleSource {
  private readonly whole: Buffer | null;
  private readonly fd: number | null;
  private readonly bytes: number;

  constructor(
    file: string,
    private readonly meta: CacheMeta,
  ) {
    this.bytes = meta.size * meta.size * 3;
    const fd = openSync(file, 'r');
    if (fstatSync(fd).size <= IN_MEMORY_LIMIT) {
      closeSync(fd);
      this.whole = readFileSync(file);
      this.fd = null;
    } else {
      this.whole = null;
      this.fd = fd;
    }
  }

  get length(): number {
    return this.meta.records.length;
  }

  get skipped() {
    return this.meta.skipped;
  }

  get(index: number): Sample {
    const r = this.meta.records[index];
    let image: Uint8Array;
    if (this.whole) image = new Uint8Array(this.whole.buffer, this.whole.byteOffset + index * this.bytes, this.bytes);
    else {
      image = new Uint8Array(this.bytes);
      readSync(this.fd!, image, 0, this.bytes, index * this.bytes);
    }
    return { id: r.id, image, label: r.label, subject: r.subject, regions: r.regions };
  }
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;

function freeBytesOf(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/**
 * Decoded, resized images cached on disk per (dataset, split, size): one flat file of RGB pixels and
 * a JSON index, so that later epochs and runs never decode again. `key` must name everything the
 * pixels depend on. The index is written last (atomically): a crash leaves no half cache behind.
 */
export async function cachedSource(opts: {
  cacheDir: string;
  key: string;
  size: number;
  count: number;
  produce: (index: number) => Produced | Promise<Produced>;
  onProgress?: (done: number, total: number) => void;
  /** Bytes free for the cache (default: the file system's, for unprivileged users). */
  freeBytes?: (dir: string) => number;
}): Promise<SampleSource> {
  mkdirSync(opts.cacheDir, { recursive: true });
  const data = join(opts.cacheDir, `${opts.key}.rgb`);
  const index = join(opts.cacheDir, `${opts.key}.json`);
  if (existsSync(index) && existsSync(data)) {
    const meta = JSON.parse(readFileSync(index, 'utf8')) as CacheMeta;
    if (meta.format === 'fer-run-image-cache/1' && meta.size === opts.size) return new CachedSource(data, meta);
  }
  // Said before decoding, not after: AffectNet at 112 px fills 10.8 GB, and decoding it takes a while.
  const need = opts.count * opts.size * opts.size * 3;
  const free = (opts.freeBytes ?? freeBytesOf)(opts.cacheDir);
  if (need > free) {
    throw new InputError(
      `the decoded-image cache for ${opts.key} needs ${gib(need)} and ${opts.cacheDir} has ${gib(free)} free. ` +
        'Point the cache at a disk with room: --cache DIR, or FER_RUN_CACHE=DIR (or free space there).',
    );
  }
  const tmp = `${data}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  const meta: CacheMeta = { format: 'fer-run-image-cache/1', size: opts.size, records: [], skipped: [] };
  let complete = false;
  try {
    for (let i = 0; i < opts.count; i++) {
      const p = await opts.produce(i);
      if ('skipped' in p) meta.skipped.push({ id: p.id, reason: p.skipped });
      else {
        if (p.image.length !== opts.size * opts.size * 3) throw new Error(`image ${p.record.id} has ${p.image.length} bytes, expected ${opts.size}²×3`);
        writeSync(fd, p.image);
        meta.records.push(p.record);
      }
      if (opts.onProgress && (i % 500 === 499 || i === opts.count - 1)) opts.onProgress(i + 1, opts.count);
    }
    complete = true;
  } finally {
    closeSync(fd);
    // A cache cut short (a full disk, a decoding error) leaves nothing behind to fill the disk.
    if (!complete) rmSync(tmp, { force: true });
  }
  renameSync(tmp, data);
  writeJsonAtomic(index, meta);
  return new CachedSource(data, meta);
}
