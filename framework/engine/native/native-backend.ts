import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DnnlAddon } from './addon.js';
import { BufferBook } from './buffers.js';

type DataId = object;
type Entry = { values: unknown; refCount: number };
type BackendValues = Parameters<MathBackendCPU['write']>[0];

/**
 * tfjs's cpu backend (plain Float32Array storage, all its kernels) with fer-run's oneDNN kernels
 * registered over the hot ones, and storage bookkeeping so native kernels can reuse freed output
 * arrays and the optimizer can update variables in place without ever touching an array a user
 * holds (see BufferBook).
 */
export class NativeBackend extends MathBackendCPU {
  readonly book = new BufferBook();
  private making = 0;

  constructor(readonly addon: DnnlAddon) {
    super();
    // The cpu backend prints an "install tfjs-node" banner on first use; fer-run names its backend itself.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** A tensor's storage entry; data still on another backend is moved here first (as tfjs does), unknown ids give undefined. */
  private entry(dataId: DataId): Entry | undefined {
    if (!this.data.has(dataId) && !(tf.engine() as unknown as { state: { tensorInfo: WeakMap<DataId, unknown> } }).state.tensorInfo.has(dataId)) return undefined;
    return (this.data as unknown as { get(id: DataId): Entry | undefined }).get(dataId);
  }

  override write(values: BackendValues, shape: number[], dtype: tf.DataType): DataId {
    const id = super.write(values, shape, dtype);
    this.book.track(values, this.making > 0);
    return id;
  }

  override makeTensorInfo(shape: number[], dtype: tf.DataType, values?: BackendValues | string[]): tf.TensorInfo {
    this.making++;
    try {
      return super.makeTensorInfo(shape, dtype, values);
    } finally {
      this.making--;
    }
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    super.move(dataId, values, shape, dtype, refCount);
    this.book.track(values, false);
  }

  override readSync(dataId: DataId): BackendValues {
    const e = this.entry(dataId);
    if (e) this.book.expose(e.values);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const e = this.entry(dataId);
    const released = super.disposeData(dataId, force);
    if (e && !this.data.has(dataId)) this.book.release(e.values);
    return released;
  }

  /** The storage of a float32 tensor on this backend, read by a native kernel (not exposed). */
  values(t: tf.TensorInfo): Float32Array {
    const v = this.entry(t.dataId)?.values;
    if (!(v instanceof Float32Array)) throw new Error(`native kernel input is ${t.dtype}, not float32 storage`);
    return v;
  }

  hasFloatStorage(t: tf.TensorInfo): boolean {
    return this.entry(t.dataId)?.values instanceof Float32Array;
  }

  /** A float32 output tensor of `shape` whose storage a native kernel will fill. */
  output(shape: number[]): { info: tf.TensorInfo; values: Float32Array } {
    const values = this.book.take(tf.util.sizeFromShape(shape));
    return { info: this.makeTensorInfo(shape, 'float32', values), values };
  }

  /** May `t`'s storage be overwritten in place (nobody else holds it)? */
  writable(t: tf.TensorInfo): boolean {
    const e = this.entry(t.dataId);
    return !!e && this.book.writable(e.values, e.refCount);
  }
}
