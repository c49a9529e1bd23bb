import { totalmem } from 'node:os';

/**
 * Which Float32Array storage the native backend may recycle or overwrite, and a pool of freed
 * arrays by length. A training step allocates the same few hundred output sizes every time;
 * taking them from the pool instead of `new Float32Array` (which zero-fills) was worth ~30% of
 * the step in the prototype.
 *
 * Only arrays the pool itself handed out go back to it: outputs of tfjs's own cpu kernels come in
 * sizes no native kernel asks for, and pooling them would only hoard memory (measured: ~30 KB a
 * step until the cap).
 *
 * Safety rules, per ArrayBuffer:
 * - **owned**: first seen as a kernel output (makeTensorInfo). User arrays passed to tf.tensor()
 *   and data moved in from another backend are **foreign**: never pooled, never written in place.
 * - **exposed**: once readSync()/read() handed the array to anybody (dataSync(), data(), array()),
 *   it becomes foreign for good, so an array a user holds is never overwritten afterwards.
 * - **views**: a tensor may be a subarray of another's storage (tfjs's cpu slice does this), so
 *   a buffer goes back to the pool only when no live tensor data refers to it.
 */
export class BufferBook {
  private readonly owned = new WeakSet<ArrayBufferLike>();
  private readonly foreign = new WeakSet<ArrayBufferLike>();
  private readonly poolable = new WeakSet<ArrayBufferLike>();
  private readonly views = new Map<ArrayBufferLike, number>();
  private readonly pool = new Map<number, Float32Array[]>();
  private pooledBytes = 0;
  /** Output arrays the pool could not supply (after warm-up a training step should need none). */
  allocations = 0;

  /**
   * Upper bound on memory held by the pool; beyond it freed arrays are left to the GC. A quarter
   * of the machine's memory: a step's arrays must all fit for every one to be reused by the next
   * step. With 512 MiB, ResNet-50 at 112 px (batch 32) freed more than the pool held each step, and
   * the rest waited for the GC while the next step allocated anew: peak RSS 3894 MiB, 8.3 images/s;
   * with the whole step pooled, 2877 MiB and 10.7 (one M_Res process, measured side by side).
   */
  constructor(private readonly maxPooledBytes = Math.floor(totalmem() / 4)) {}

  /** A tensor's storage came into being (`made`: as a kernel output). */
  track(values: unknown, made: boolean): void {
    if (!(values instanceof Float32Array)) return;
    const buf = values.buffer;
    this.views.set(buf, (this.views.get(buf) ?? 0) + 1);
    if (!this.owned.has(buf) && !this.foreign.has(buf)) (made ? this.owned : this.foreign).add(buf);
  }

  /** A tensor's storage was released; recycles the array when nothing else refers to its buffer. */
  release(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    const buf = values.buffer;
    const left = (this.views.get(buf) ?? 1) - 1;
    if (left > 0) {
      this.views.set(buf, left);
      return;
    }
    this.views.delete(buf);
    if (!this.owned.has(buf) || !this.poolable.has(buf) || values.byteOffset !== 0 || values.byteLength !== buf.byteLength) return;
    if (this.pooledBytes + values.byteLength > this.maxPooledBytes) return;
    const list = this.pool.get(values.length);
    if (list) list.push(values);
    else this.pool.set(values.length, [values]);
    this.pooledBytes += values.byteLength;
  }

  /** Somebody outside the backend got this array: never recycle or overwrite it. */
  expose(values: unknown): void {
    if (!(values instanceof Float32Array)) return;
    this.owned.delete(values.buffer);
    this.foreign.add(values.buffer);
  }

  /** May a kernel write into this array in place? (`refCount`: tensors sharing the data entry.) */
  writable(values: unknown, refCount: number): values is Float32Array {
    return (
      values instanceof Float32Array &&
      refCount === 1 &&
      this.owned.has(values.buffer) &&
      this.views.get(values.buffer) === 1 &&
      values.byteOffset === 0 &&
      values.byteLength === values.buffer.byteLength
    );
  }

  /** An output array of `length` floats with arbitrary contents (every native kernel overwrites all of it). */
  take(length: number): Float32Array {
    const a = this.pool.get(length)?.pop();
    if (!a) {
      this.allocations++;
      const fresh = new Float32Array(length);
      this.poolable.add(fresh.buffer);
      return fresh;
    }
    this.pooledBytes -= a.byteLength;
    return a;
  }

  get pooled(): { arrays: number; bytes: number } {
    let arrays = 0;
    for (const l of this.pool.values()) arrays += l.length;
    return { arrays, bytes: this.pooledBytes };
  }
}
