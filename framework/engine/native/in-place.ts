import * as tf from '@tensorflow/tfjs';
import type { NativeBackend } from './native-backend.js';

/**
 * Runs a native update of some variables (Adam's weights and moments, batch norm's moving
 * averages): `write(inputs, outputs)` reads the variables' current storage and writes the new
 * values. Storage nobody else holds is updated in place (outputs === inputs); a variable whose
 * storage is shared (a clone, a snapshot, an array handed out by dataSync(), a user's own
 * Float32Array) gets fresh storage through assign() instead, so what others hold never changes.
 */
export function updateInPlace(be: NativeBackend, targets: tf.Variable[], write: (inputs: Float32Array[], outputs: Float32Array[]) => void): void {
  const inputs = targets.map((t) => be.values(t));
  const fresh = targets.map((t) => (be.writable(t) ? null : be.output(t.shape)));
  write(
    inputs,
    inputs.map((a, i) => fresh[i]?.values ?? a),
  );
  fresh.forEach((f, i) => {
    if (!f) return;
    const t = tf.engine().makeTensorFromTensorInfo(f.info);
    targets[i].assign(t);
    t.dispose();
  });
}
