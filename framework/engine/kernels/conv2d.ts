import * as tf from '@tensorflow/tfjs';
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

/**
 * Gradient of conv2d with respect to its input, through one forward convolution of the
 * (stride-dilated) output gradient with the flipped filter; padding is explicit, not a copy.
 */
export function conv2dInputGrad(
  xShape: [number, number, number, number],
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  stride: number,
  padding: Padding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = xShape;
    const [kh, kw] = filter.shape;
    const p = convPads(h, w, kh, kw, stride, padding);
    let d: tf.Tensor4D = dy;
    if (stride > 1) {
      // Insert stride−1 zeros after every row and column of dy (trailing ones are absorbed by the padding below).
      const [, ho, wo, c] = dy.shape;
      const spread = tf.pad(tf.reshape(dy, [n, ho, 1, wo, 1, c]), [[0, 0], [0, 0], [0, stride - 1], [0, 0], [0, stride - 1], [0, 0]]);
      d = tf.reshape(spread, [n, ho * stride, wo * stride, c]) as tf.Tensor4D;
    }
    const padTop = kh - 1 - p.top;
    const padLeft = kw - 1 - p.left;
    let padBottom = h + kh - 1 - padTop - d.shape[1];
    let padRight = w + kw - 1 - padLeft - d.shape[2];
    if (padBottom < 0 || padRight < 0) {
      d = tf.slice(d, [0, 0, 0, 0], [-1, d.shape[1] + Math.min(0, padBottom), d.shape[2] + Math.min(0, padRight), -1]);
      padBottom = Math.max(0, padBottom);
      padRight = Math.max(0, padRight);
    }
    const wFlip = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, Co, Ci]
    return tf.conv2d(d, wFlip, 1, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
  });
}

/** conv2d with the gradients above. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, padding: Padding): tf.Tensor4D {
  if (kernelMode() === 'stock') return tf.conv2d(x, filter, stride, padding);
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
