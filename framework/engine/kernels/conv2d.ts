import * as tf from '@tensorflow/tfjs';
import { activeNative } from '../native/active.js';
import { kernelMode } from './mode.js';
import { simdFilterGrad, simdPhaseFilter } from './simd/conv-grad.js';

/**
 * A 2-D convolution (NHWC, square stride, 'same' or 'valid' padding) with fast gradients where
 * tfjs has none. tfjs's wasm backend has no Conv2DBackpropFilter kernel and a plain-loop
 * Conv2DBackpropInput; the cpu backend's backprop-filter is a naive loop (~95% of a training
 * step). Re-expressing both gradients as forward convolutions lets every backend use its fastest
 * kernel (XNNPACK on wasm, im2col + matmul on cpu):
 *   dW = conv(xᵀ, dyᵀ, dilation = stride)      batch and channel axes swapped
 *   dX = conv(dilate(dy, stride), rot180(W)ᵀ)  a transposed convolution
 * On wasm, dW goes to fer-run's own SIMD kernel instead (simd/conv-grad.ts): as a convolution
 * its reduction runs over only the batch per filter tap, far below XNNPACK's forward speed. The
 * filter of the dX convolution is gathered there too.
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
 * Gradient of conv2d with respect to the filter: the SIMD kernel on wasm, else one forward
 * convolution. The forward padding is passed to the convolution as explicit padding (no padded
 * copy of x), and the few extra output positions an uneven padding produces are sliced off the
 * small [Ci, kh, kw, Co] result.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, stride: number, padding: Padding): tf.Tensor4D {
  const [, h, w] = x.shape;
  const p = convPads(h, w, kh, kw, stride, padding);
  const simd = simdFilterGrad(x, dy, kh, kw, stride, p.top, p.left);
  if (simd) return simd;
  return tf.tidy(() => {
    const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [Ci, H, W, N]
    const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, N, Co] as a filter
    const pad: Explicit = [[0, 0], [p.top, p.bottom], [p.left, p.right], [0, 0]];
    let out = tf.conv2d(xT, dyT, 1, pad, 'NHWC', stride); // [Ci, ≥kh, ≥kw, Co]
    if (out.shape[1] !== kh || out.shape[2] !== kw) out = tf.slice(out, [0, 0, 0, 0], [-1, kh, kw, -1]);
    return tf.transpose(out, [1, 2, 0, 3]); // [kh, kw, Ci, Co]
  });
}

/**
 * Along one axis of a stride-s transposed convolution, output row s·J + phase receives
 * dy[J + d]·W[t] for every tap t with t ≡ phase + pad (mod s), d = (phase + pad − t) / s.
 * Returns each phase's tap at each offset d ∈ [dMin, dMin + length): -1 where there is none.
 */
function phaseTaps(k: number, stride: number, pad: number): { dMin: number; length: number; tap: number[][] } {
  const taps: { phase: number; t: number; d: number }[] = [];
  for (let phase = 0; phase < stride; phase++) {
    for (let t = 0; t < k; t++) if ((phase + pad - t) % stride === 0) taps.push({ phase, t, d: (phase + pad - t) / stride });
  }
  const dMin = Math.min(...taps.map((x) => x.d));
  const length = Math.max(...taps.map((x) => x.d)) - dMin + 1;
  const tap = Array.from({ length: stride }, () => new Array<number>(length).fill(-1));
  for (const x of taps) tap[x.phase][x.d - dMin] = x.t;
  return { dMin, length, tap };
}

/**
 * The combined filter of conv2dInputGrad from the tap table, with tfjs ops: one small GEMM picks
 * the taps (sel[(q, phase), tap] = 1, the filter seen as [kh·kw, Ci·Co]; tf.gather is far slower
 * on wasm), one transpose puts Co before the phase-major input channels.
 */
function phaseFilterByGemm(filter: tf.Tensor4D, taps: Int32Array, [rows, cols, co, phaseCi]: [number, number, number, number]): tf.Tensor4D {
  const [kh, kw, ci] = filter.shape;
  const sel = new Float32Array(taps.length * kh * kw);
  taps.forEach((t, i) => t >= 0 && (sel[i * kh * kw + t] = 1));
  const picked = tf.matMul(tf.tensor2d(sel, [taps.length, kh * kw]), tf.reshape(filter, [kh * kw, ci * co]));
  return tf.reshape(tf.transpose(tf.reshape(picked, [rows, cols, phaseCi / ci, ci, co]), [0, 1, 4, 2, 3]), [rows, cols, co, phaseCi]);
}

/**
 * Gradient of conv2d with respect to its input, as one forward convolution of dy. Stride 1: dy with
 * the flipped filter. Stride s > 1: each output pixel parity (py, px) of the transposed
 * convolution sees its own subset of the kernel's taps; one convolution computes all s² of them
 * as s²·Ci output channels (a filter holding each phase's taps, zeros where a phase has none),
 * and one transpose interleaves them. For 3×3, stride 2 that is 16 multiplies per 2×2 output
 * block, where a convolution over a zero-dilated dy takes 36 and four per-phase convolutions 9
 * plus a stack of their outputs (31 ms a step on wasm).
 */
export function conv2dInputGrad(
  xShape: [number, number, number, number],
  filter: tf.Tensor4D,
  dy: tf.Tensor4D,
  stride: number,
  padding: Padding,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [, h, w, ci] = xShape;
    const [kh, kw, , co] = filter.shape;
    const p = convPads(h, w, kh, kw, stride, padding);
    const [, ho, wo] = dy.shape;
    const rows = phaseTaps(kh, stride, p.top);
    const cols = phaseTaps(kw, stride, p.left);
    const phases = stride * stride;
    // taps[(qy, qx, phase)] = the filter tap (ty·kw + tx) that phase uses at offset (qy, qx), or -1.
    const taps = new Int32Array(rows.length * cols.length * phases).fill(-1);
    for (let qy = 0; qy < rows.length; qy++) {
      for (let qx = 0; qx < cols.length; qx++) {
        for (let py = 0; py < stride; py++) {
          for (let px = 0; px < stride; px++) {
            const ty = rows.tap[py][qy];
            const tx = cols.tap[px][qx];
            if (ty >= 0 && tx >= 0) taps[(qy * cols.length + qx) * phases + py * stride + px] = ty * kw + tx;
          }
        }
      }
    }
    // [qy, qx, Co, phase·Ci]: phase-major channels, as the interleave below reads them.
    const combinedShape: [number, number, number, number] = [rows.length, cols.length, co, phases * ci];
    const combined = simdPhaseFilter(filter, taps, combinedShape) ?? phaseFilterByGemm(filter, taps, combinedShape);
    // Phase outputs have ceil(h / s) rows; pad dy so the convolution yields at least that many.
    const hp = Math.ceil(h / stride);
    const wp = Math.ceil(w / stride);
    const top = -rows.dMin;
    const left = -cols.dMin;
    const bottom = Math.max(0, hp - 1 + rows.dMin + rows.length - ho);
    const right = Math.max(0, wp - 1 + cols.dMin + cols.length - wo);
    let out = tf.conv2d(dy, combined, 1, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    if (out.shape[1] !== hp || out.shape[2] !== wp) out = tf.slice(out, [0, 0, 0, 0], [-1, hp, wp, -1]);
    if (stride === 1) return out;
    // Interleave dx[n, s·J + py, s·j + px, c] = out[n, J, j, (py·s + px)·Ci + c]: with (n, J) and
    // (px, c) merged, a 4-D transpose swapping j and py (tfjs's depthToSpace on wasm is a scalar loop, 20× slower).
    const n = dy.shape[0];
    const inter = tf.transpose(tf.reshape(out, [n * hp, wp, stride, stride * ci]), [0, 2, 1, 3]);
    const dx = tf.reshape(inter, [n, hp * stride, wp * stride, ci]) as tf.Tensor4D;
    return hp * stride === h && wp * stride === w ? dx : tf.slice(dx, [0, 0, 0, 0], [-1, h, w, -1]);
  });
}

/**
 * FerConv2D: tfjs's own Conv2D kernel of the wasm or cpu backend forward, with the gradients
 * above registered as lazy thunks (as tfjs registers its own), so an input gradient nobody asks
 * for, such as the image's at the first layer, is never computed.
 */
const FER_CONV = 'FerConv2D';
const FER_CONV_BACKENDS = ['wasm', 'cpu'];
let registered = false;

function registerFerConv(): void {
  registered = true;
  for (const backendName of FER_CONV_BACKENDS) {
    const conv = tf.getKernel('Conv2D', backendName)!;
    tf.registerKernel({
      kernelName: FER_CONV,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { stride, padding } = attrs as unknown as { stride: number; padding: Padding };
        return conv.kernelFunc({ inputs, backend, attrs: { strides: stride, pad: padding, dataFormat: 'NHWC', dilations: 1 } });
      },
    });
  }
  tf.registerGradient({
    kernelName: FER_CONV,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { stride, padding } = attrs as unknown as { stride: number; padding: Padding };
      return {
        x: () => conv2dInputGrad(x.shape, filter, dy as tf.Tensor4D, stride, padding),
        filter: () => conv2dFilterGrad(x, dy as tf.Tensor4D, filter.shape[0], filter.shape[1], stride, padding),
      };
    },
  });
}

/**
 * conv2d with the gradients above on the wasm and cpu backends; elsewhere (the native and
 * tensorflow backends have fast gradient kernels of their own) and for the benchmark's stock
 * baseline, tfjs's conv2d.
 */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, padding: Padding): tf.Tensor4D {
  if (kernelMode() === 'stock' || activeNative() || !FER_CONV_BACKENDS.includes(tf.getBackend())) return tf.conv2d(x, filter, stride, padding);
  if (!registered) registerFerConv();
  return tf.engine().runKernel(FER_CONV, { x, filter }, { stride, padding } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
