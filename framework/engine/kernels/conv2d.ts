import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../native/active.js';
import { kernelMode } from './mode.js';

/**
 * A 2-D convolution (NHWC, square stride, 'same' or 'valid' padding) whose gradients are computed
 * with forward convolutions only. tfjs's wasm backend has no Conv2DBackpropFilter kernel and a
 * plain-loop Conv2DBackpropInput; the cpu backend's backprop-filter is a naive loop (~95% of a
 * training step). Re-expressing both gradients as forward convolutions lets every backend use its
 * fastest kernel (XNNPACK on wasm, im2col + matmul on cpu):
 *   dW = conv(xᵀ, dyᵀ, dilation = stride)      batch and channel axes swapped
 *   dX = conv(dilate(dy, stride), rot180(W)ᵀ)  a transposed convolution
 */
export type Padding = 'same' | 'valid';

interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
  outH: number;
  outW: number;
}

/** tfjs's padding convention (the extra pixel of an odd total goes to the bottom/right). */
export function convPads(h: number, w: number, kh: number, kw: number, stride: number, padding: Padding): Pads {
  if (padding === 'valid') {
    return { top: 0, bottom: 0, left: 0, right: 0, outH: Math.ceil((h - kh + 1) / stride), outW: Math.ceil((w - kw + 1) / stride) };
  }
  const outH = Math.ceil(h / stride);
  const outW = Math.ceil(w / stride);
  const padH = Math.max((outH - 1) * stride + kh - h, 0);
  const padW = Math.max((outW - 1) * stride + kw - w, 0);
  const top = Math.floor(padH / 2);
  const left = Math.floor(padW / 2);
  return { top, bottom: padH - top, left, right: padW - left, outH, outW };
}

type Explicit = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Gradient of conv2d with respect to the filter, through one forward convolution. The forward
 * padding is passed to the convolution as explicit padding (no padded copy of x), and the few
 * extra output positions an uneven padding produces are sliced off the small [Ci, kh, kw, Co] result.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, stride: number, padding: Padding): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const p = convPads(h, w, kh, kw, stride, padding);
    const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci, H, W, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, Co] as a filter
    const pad: Explicit = [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]];
    let out = tf.conv2d(xT, dyT, 1, pad, 'NHWC', stride); // [Ci, ≥kh, ≥kw, Co]
    if (out.shape[1] !== kh || out.shape[2] !== kw) out = tf.slice(out, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(out, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  });
}

/** Kernel taps of one output phase along one axis: offsets d into dy and the kernel index of each, in d order. */
function phaseTaps(k: number, stride: number, phase: number, pad: number): { d: number; tap: number }[] {
  const taps: { d: number; tap: number }[] = [];
  for (let t = k - 1; t >= 0; t--) if ((phase + pad - t) % stride === 0) taps.push({ d: (phase + pad - t) / stride, tap: t });
  return taps;
}

/**
 * The sub-kernel of taps (rows × cols) of a [kh, kw, a, b] filter. A 0/1 selection matrix times the
 * filter seen as [kh·kw, a·b]: one small GEMM, where tf.gather and tf.reverse take ~10 ms on wasm.
 */
function selectTaps(f: tf.Tensor4D, rows: number[], cols: number[]): tf.Tensor4D {
  const [kh, kw, a, b] = f.shape;
  const sel = new Float32Array(rows.length * cols.length * kh * kw);
  rows.forEach((r, i) => cols.forEach((c, j) => (sel[(i * cols.length + j) * kh * kw + r * kw + c] = 1)));
  const picked = tf.matMul(tf.tensor2d(sel, [rows.length * cols.length, kh * kw]), tf.reshape(f, [kh * kw, a * b]));
  return tf.reshape(picked, [rows.length, cols.length, a, b]);
}

/**
 * Gradient of conv2d with respect to its input. Stride 1: one forward convolution of dy with the
 * flipped filter. Stride s > 1: the transposed convolution splits into s² phase convolutions (each
 * output pixel parity sees its own subset of kernel taps), interleaved afterwards, so no
 * multiply touches an inserted zero.
 */
export function conv2dInputGrad(
  xShape: [number, number, number, number],
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  stride: number,
  padding: Padding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, ci] = xShape;
    const [kh, kw] = filter.shape;
    const p = convPads(h, w, kh, kw, stride, padding);
    const [, ho, wo] = dy.shape;
    const wT = tf.transpose(filter, [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, Co, Ci]
    const hp = Math.ceil(h / stride);
    const wp = Math.ceil(w / stride);
    const phases: tf.Tensor4D[] = [];
    for (let py = 0; py < stride; py++) {
      for (let px = 0; px < stride; px++) {
        const ty = phaseTaps(kh, stride, py, p.top);
        const tx = phaseTaps(kw, stride, px, p.left);
        if (ty.length === 0 || tx.length === 0) {
          phases.push(tf.zeros([n, hp, wp, ci]) as tf.Tensor4D);
          continue;
        }
        // Taps are contiguous in d (a step of one tap per stride), so the sub-kernel is a plain conv.
        const sub = selectTaps(wT, ty.map((t) => t.tap), tx.map((t) => t.tap));
        const rows = Math.ceil((h - py) / stride);
        const cols = Math.ceil((w - px) / stride);
        const top = -ty[0].d;
        const left = -tx[0].d;
        let src = dy;
        let bottom = rows - 1 + ty[ty.length - 1].d - (ho - 1);
        let right = cols - 1 + tx[tx.length - 1].d - (wo - 1);
        if (bottom < 0 || right < 0) {
          src = tf.slice(src, [0, 0, 0, 0], [-1, ho + Math.min(0, bottom), wo + Math.min(0, right), -1]);
          bottom = Math.max(0, bottom);
          right = Math.max(0, right);
        }
        let out = tf.conv2d(src, sub, 1, [[0, 0], [top, bottom], [left, right], [0, 0]]);
        if (rows < hp || cols < wp) out = tf.pad(out, [[0, 0], [0, hp - rows], [0, wp - cols], [0, 0]]);
        phases.push(out);
      }
    }
    if (stride === 1) return phases[0];
    // Interleave dx[n, s·i + py, s·j + px, c] = phase(py, px)[n, i, j, c]: stacking on an inner axis
    // puts px next to j (and py next to i), so reshapes do the interleaving without a transpose.
    const rowsOf = (py: number) => tf.reshape(tf.stack(phases.slice(py * stride, (py + 1) * stride), 3), [n, hp, wp * stride, ci]);
    const inter = tf.reshape(tf.stack(Array.from({ length: stride }, (_, py) => rowsOf(py)), 2), [n, hp * stride, wp * stride, ci]) as tf.Tensor4D;
    return hp * stride === h && wp * stride === w ? inter : tf.slice(inter, [0, 0, 0, 0], [-1, h, w, -1]);
  });
}

/** conv2d with the gradients above (the native backend has fast gradient kernels of its own). */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, padding: Padding): tf.Tensor4D {
  if (kernelMode() === 'stock' || activeNative()) return tf.conv2d(x, filter, stride, padding);
  const op = tf.customGrad(((xi: tf.Tensor, fi: tf.Tensor, save: tf.GradSaveFunc) => {
    const xx = xi as tf.Tensor4D;
    const ff = fi as tf.Tensor4D;
    save([xx, ff]);
    return {
      value: tf.conv2d(xx, ff, stride, padding),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sf] = saved as [tf.Tensor4D, tf.Tensor4D];
        return [
          conv2dInputGrad(sx.shape, sf, dy as tf.Tensor4D, stride, padding),
          conv2dFilterGrad(sx, dy as tf.Tensor4D, sf.shape[0], sf.shape[1], stride, padding),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, filter) as tf.Tensor4D;
}
