import * as tf from '@tensorflow/tfjs';

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

/** Gradient of conv2d with respect to the filter, through one forward convolution. */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, stride: number, padding: Padding): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const p = convPads(h, w, kh, kw, stride, padding);
    // Rows/cols of x the forward pass actually reached: (out-1)*stride + k, after padding.
    const needH = (p.outH - 1) * stride + kh;
    const needW = (p.outW - 1) * stride + kw;
    let xp: tf.Tensor4D = x;
    if (p.top || p.left || p.bottom || p.right) xp = tf.pad(x, [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]]);
    if (xp.shape[1] > needH || xp.shape[2] > needW) xp = tf.slice(xp, [0, 0, 0, 0], [-1, needH, needW, -1]);
    const xT = tf.transpose(xp, [3, 1, 2, 0]); // [Ci, H', W', N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, Co] as a filter
    const out = tf.conv2d(xT as tf.Tensor4D, dyT, 1, 'valid', 'NHWC', stride); // [Ci, kh, kw, Co]
    return tf.transpose(out, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  });
}

/** Gradient of conv2d with respect to its input, through one forward convolution. */
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
      // Insert stride-1 zeros between the rows and columns of dy.
      const [, ho, wo, c] = dy.shape;
      const spread = tf.pad(tf.reshape(dy, [n, ho, 1, wo, 1, c]), [[0, 0], [0, 0], [0, stride - 1], [0, 0], [0, stride - 1], [0, 0]]);
      d = tf.slice(tf.reshape(spread, [n, ho * stride, wo * stride, c]) as tf.Tensor4D, [0, 0, 0, 0], [-1, (ho - 1) * stride + 1, (wo - 1) * stride + 1, -1]);
    }
    const padTop = kh - 1 - p.top;
    const padLeft = kw - 1 - p.left;
    const padBottom = h + kh - 1 - padTop - d.shape[1];
    const padRight = w + kw - 1 - padLeft - d.shape[2];
    const dp = tf.pad(d, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
    const wFlip = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, Co, Ci]
    return tf.conv2d(dp as tf.Tensor4D, wFlip, 1, 'valid');
  });
}

/** conv2d with the gradients above. */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, padding: Padding): tf.Tensor4D {
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
