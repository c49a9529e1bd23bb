import * as tf from '@tensorflow/tfjs';
import { simdMaxPoolGrad } from './simd/max-pool.js';

/**
 * tfjs wasm kernels re-registered. Two without a copy too many:
 *  - Identity. The tape clones every tensor a gradient saves (ENGINE.clone runs Identity), and
 *    tfjs's wasm Identity copies the data: a 2 MiB memcpy per saved activation, ~95 a training
 *    step. The cpu backend shares the data instead (one more reference to the same dataId), as
 *    wasm's own Reshape already does; nothing writes into a kernel's input, so sharing is safe.
 *  - Slice. tfjs's reads the whole input out of the wasm heap (readSync copies) before copying
 *    the slice: 1 ms to take 16 floats of a 1.2 MB tensor. Here the input is read in place.
 * And MaxPoolGrad by fer-run's SIMD kernel (simd/max-pool.ts), where tfjs's scalar one took
 * ~250 ms for ResNet-18's stem pool at 112 px. Strings keep tfjs's kernels.
 */

/** What fer-run uses of tfjs-backend-wasm's BackendWasm. */
interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Typed = Float32Array | Int32Array | Uint8Array;

/** Copies the box [begin, begin + size) of x (shape `shape`) into out, row by innermost row. */
function copyBox(x: Typed, shape: number[], begin: number[], size: number[], out: Typed): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  const inner = size[rank - 1];
  let o = 0;
  const walk = (axis: number, offset: number) => {
    if (axis === rank - 1) {
      out.set(x.subarray(offset + begin[axis], offset + begin[axis] + inner), o);
      o += inner;
      return;
    }
    for (let i = begin[axis]; i < begin[axis] + size[axis]; i++) walk(axis + 1, offset + i * strides[axis]);
  };
  walk(0, 0);
}

/**
 * Replaces the wasm kernel `name` by `fast`, which may return null to hand a case back to tfjs's
 * kernel (string tensors always go there).
 */
function override(name: string, fast: (args: Parameters<tf.KernelFunc>[0], x: tf.TensorInfo) => tf.TensorInfo | null): void {
  const stock = tf.getKernel(name, 'wasm');
  if (!stock) return;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = (args.inputs.x ?? args.inputs.dy) as tf.TensorInfo;
      return (x.dtype === 'string' ? null : fast(args, x)) ?? stock.kernelFunc(args);
    },
  });
}

// Once per process, whichever copy of this module asks first (kernels are registered process-wide).
const REGISTERED = Symbol.for('fer-run.wasmOverrides');

export function registerWasmOverrides(): void {
  const g = globalThis as { [REGISTERED]?: boolean };
  if (g[REGISTERED]) return;
  g[REGISTERED] = true;
  override('Identity', (args, x) => {
    (args.backend as tf.KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  override('Slice', (args, x) => {
    if (x.shape.length === 0) return null;
    const { begin, size } = args.attrs as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(s, x.dtype);
    if (tf.util.sizeFromShape(s) > 0) copyBox(backend.typedArrayFromHeap(x), x.shape, b, s, backend.typedArrayFromHeap(out));
    return out;
  });
  override('MaxPoolGrad', simdMaxPoolGrad);
}
