import * as tf from '@tensorflow/tfjs';

/**
 * A zero-copy Identity for the wasm backend. tfjs's engine clones every tensor a gradient saves
 * (ENGINE.clone runs Identity), and tfjs's wasm Identity copies the data: a 2 MiB memcpy per
 * saved activation, ~95 a training step. The cpu backend shares the data instead (one more
 * reference to the same dataId), as wasm's own Reshape already does; nothing writes into a
 * kernel's input, so sharing is safe. Strings keep tfjs's kernel.
 */
let registered = false;

export function registerWasmIdentity(): void {
  if (registered) return;
  const stock = tf.getKernel('Identity', 'wasm');
  if (!stock) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as tf.KernelBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  registered = true;
}
