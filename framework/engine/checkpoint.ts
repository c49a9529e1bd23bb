import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { RunError } from '../errors.js';
import { writeFileAtomic } from '../runs/atomic.js';

/**
 * One-file checkpoint: a 4-byte header length, a JSON header (meta + tensor table), then float32
 * data. One file so that one atomic rename replaces the whole checkpoint.
 */
interface Entry {
  name: string;
  shape: number[];
  offset: number;
  length: number;
}

export interface LoadedCheckpoint<M> {
  meta: M;
  tensors: Map<string, Float32Array>;
  shapes: Map<string, number[]>;
}

export function saveCheckpoint(file: string, tensors: Map<string, tf.Tensor>, meta: unknown): void {
  const entries: Entry[] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const data = t.dataSync() as Float32Array;
    entries.push({ name, shape: t.shape, offset, length: data.length });
    chunks.push(data);
    offset += data.length;
  }
  const header = Buffer.from(JSON.stringify({ format: 'fer-run-checkpoint/1', meta, entries }), 'utf8');
  const out = Buffer.alloc(4 + header.length + offset * 4);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  let pos = 4 + header.length;
  for (const c of chunks) {
    Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(out, pos);
    pos += c.byteLength;
  }
  writeFileAtomic(file, out);
}

export function loadCheckpoint<M>(file: string): LoadedCheckpoint<M> | null {
  if (!existsSync(file)) return null;
  const buf = readFileSync(file);
  try {
    const headerLen = buf.readUInt32LE(0);
    const header = JSON.parse(buf.subarray(4, 4 + headerLen).toString('utf8')) as { meta: M; entries: Entry[] };
    const base = 4 + headerLen;
    const tensors = new Map<string, Float32Array>();
    const shapes = new Map<string, number[]>();
    for (const e of header.entries) {
      const bytes = buf.subarray(base + e.offset * 4, base + (e.offset + e.length) * 4);
      tensors.set(e.name, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
      shapes.set(e.name, e.shape);
    }
    return { meta: header.meta, tensors, shapes };
  } catch (e) {
    throw new RunError(`${file}: the checkpoint is unreadable (${(e as Error).message}). Delete it to start the cell over, or run with --force.`);
  }
}

/** Loads a model's final weights from a finished cell's checkpoint. */
export function restoreModel(model: { variables(): Map<string, tf.Variable> }, file: string): void {
  const ckpt = loadCheckpoint(file);
  if (!ckpt) throw new RunError(`${file}: the checkpoint is missing. Run the experiment again (with --force to recompute the cell).`);
  restoreVariables(ckpt, model.variables(), file);
}

/** Copies checkpoint values into existing variables, checking that every one is present with its shape. */
export function restoreVariables(ckpt: LoadedCheckpoint<unknown>, vars: Map<string, tf.Variable>, file: string): void {
  for (const [name, v] of vars) {
    const data = ckpt.tensors.get(name);
    const shape = ckpt.shapes.get(name);
    if (!data || !shape) throw new RunError(`${file}: the checkpoint has no tensor "${name}"; it was made by a different model. Run with --force.`);
    if (shape.join('x') !== v.shape.join('x')) {
      throw new RunError(`${file}: tensor "${name}" has shape [${shape}] in the checkpoint but [${v.shape}] in the model. Run with --force.`);
    }
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  }
}
