import * as tf from '@tensorflow/tfjs';
import { maxPoolDims, type MaxPoolAttrs } from '../kernels/pooling.js';
import type { NativeBackend } from './native-backend.js';

/**
 * fer-run's native kernels as tfjs kernels of the `native` backend. Stock kernel names (Conv2D,
 * Conv2DBackpropInput/Filter, Relu, Add, Sub, Multiply, RealDiv, Sum, BatchMatMul) replace the
 * cpu backend's where the arguments suit them, and fall back to the cpu kernel otherwise (NCHW,
 * dilations, sums over inner axes, int tensors), so every tfjs op keeps working. Fer* kernels are
 * fer-run's own fused ops (batch norm ± ReLU, ReLU and add+ReLU with one-pass gradients, global
 * pooling, the attention gate, L_noisy), used by the framework's layers when the backend is
 * native; their gradients are registered here too.
 */
export const NATIVE_BACKEND = 'native';

type Info = tf.TensorInfo;
type Args = { inputs: Record<string, Info>; backend: NativeBackend; attrs: Record<string, unknown> };
type NativeKernel = (args: Args) => Info | Info[];

const cpuKernel = (name: string): NativeKernel => {
  const k = tf.getKernel(name, 'cpu');
  if (!k) throw new Error(`tfjs cpu backend has no ${name} kernel`);
  return k.kernelFunc as unknown as NativeKernel;
};

/** Native kernels take float32 tensors whose storage is a Float32Array (a cast from bool may keep a Uint8Array). */
const floats = (be: NativeBackend, ...ts: Info[]) => ts.every((t) => t.dtype === 'float32' && be.hasFloatStorage(t));

/**
 * The 15 numbers the addon's conv2d takes, or null when oneDNN cannot run this convolution as
 * given (then the cpu kernel does): NHWC, no dilation, no groups.
 * The bottom/right padding passed is the exact one, (out − 1)·stride + k − in − top/left: it is −1
 * where a stride skips the last input row (a 1×1 stride-2 conv on an even size), which tfjs clamps
 * to 0; oneDNN takes the negative value and derives the same output size either way.
 */
function convDims(info: tf.backend_util.Conv2DInfo): number[] | null {
  const p = info.padInfo;
  if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  if (p.top < 0 || p.left < 0) return null;
  const bottom = (info.outHeight - 1) * info.strideHeight + info.filterHeight - info.inHeight - p.top;
  const right = (info.outWidth - 1) * info.strideWidth + info.filterWidth - info.inWidth - p.left;
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.outChannels,
    info.outHeight, info.outWidth, info.strideHeight, info.strideWidth,
    p.top, p.left, bottom, right,
  ];
}

type ConvAttrs = { strides: number | [number, number]; pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; dilations?: number | [number, number] };

function convInfo(xShape: number[], filterShape: number[], a: ConvAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides,
    a.dilations ?? 1,
    a.pad,
    a.dimRoundingMode,
    false,
    tf.backend_util.convertConv2DDataFormat(a.dataFormat),
  );
}


/**
 * One of the three convolution kernels on oneDNN: `xShape`/`filterShape` describe the forward
 * convolution, `a`/`b` are the addon's two inputs, `outShape` its output (null: the convolution's). Anything oneDNN cannot
 * take as given (see convDims), or a dy of the wrong shape, goes to tfjs's cpu kernel.
 */
function nativeConv(name: string, kind: 0 | 1 | 2, args: Args, xShape: number[], filterShape: number[], a: Info, b: Info, outShape: number[] | null, dy?: Info): Info {
  const info = convInfo(xShape, filterShape, args.attrs as unknown as ConvAttrs);
  const dims = floats(args.backend, a, b) ? convDims(info) : null;
  if (!dims || (dy && !tf.util.arraysEqual(dy.shape, [info.batchSize, info.outHeight, info.outWidth, info.outChannels]))) return cpuKernel(name)(args) as Info;
  const out = args.backend.output(outShape ?? [info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  args.backend.addon.conv2d(kind, dims, args.backend.values(a), args.backend.values(b), out.values);
  return out.info;
}

/** The addon's max-pooling dims for float inputs, or null for the cpu kernel. */
const poolDims = (be: NativeBackend, xShape: number[], a: MaxPoolAttrs, ...ts: Info[]) => (floats(be, ...ts) ? maxPoolDims(xShape, a) : null);

const kernels: Record<string, NativeKernel> = {
  MaxPool(args) {
    const { x } = args.inputs;
    const dims = poolDims(args.backend, x.shape, args.attrs as unknown as MaxPoolAttrs, x);
    if (!dims) return cpuKernel('MaxPool')(args);
    const out = args.backend.output([dims[0], dims[6], dims[7], dims[3]]);
    args.backend.addon.maxPool(dims, args.backend.values(x), out.values);
    return out.info;
  },

  MaxPoolGrad(args) {
    const { dy, input } = args.inputs;
    const dims = poolDims(args.backend, input.shape, args.attrs as unknown as MaxPoolAttrs, dy, input);
    if (!dims || !tf.util.arraysEqual(dy.shape, [dims[0], dims[6], dims[7], dims[3]])) return cpuKernel('MaxPoolGrad')(args);
    const out = args.backend.output(input.shape);
    args.backend.addon.maxPoolGrad(dims, args.backend.values(dy), args.backend.values(input), out.values);
    return out.info;
  },

  Conv2D(args) {
    const { x, filter } = args.inputs;
    return nativeConv('Conv2D', 0, args, x.shape, filter.shape, x, filter, null);
  },

  Conv2DBackpropInput(args) {
    const { dy, filter } = args.inputs;
    const { inputShape } = args.attrs as { inputShape: number[] };
    return nativeConv('Conv2DBackpropInput', 1, args, inputShape, filter.shape, dy, filter, inputShape, dy);
  },

  Conv2DBackpropFilter(args) {
    const { x, dy } = args.inputs;
    const { filterShape } = args.attrs as { filterShape: number[] };
    return nativeConv('Conv2DBackpropFilter', 2, args, x.shape, filterShape, x, dy, filterShape, dy);
  },

  Relu(args) {
    const { x } = args.inputs;
    if (!floats(args.backend, x)) return cpuKernel('Relu')(args);
    const out = args.backend.output(x.shape);
    args.backend.addon.relu(args.backend.values(x), out.values);
    return out.info;
  },

  Add: binary('Add', 0),
  Sub: binary('Sub', 1),
  Multiply: binary('Multiply', 2),
  RealDiv: binary('RealDiv', 3),

  BatchMatMul(args) {
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const ra = a.shape.length;
    const batchA = a.shape.slice(0, -2);
    if (!floats(args.backend, a, b) || ra < 2 || ra !== b.shape.length || !tf.util.arraysEqual(batchA, b.shape.slice(0, -2))) return cpuKernel('BatchMatMul')(args);
    const [r0, r1] = a.shape.slice(-2);
    const [s0, s1] = b.shape.slice(-2);
    const [m, k] = transposeA ? [r1, r0] : [r0, r1];
    const [k2, n] = transposeB ? [s1, s0] : [s0, s1];
    if (k !== k2) return cpuKernel('BatchMatMul')(args);
    const out = args.backend.output([...batchA, m, n]);
    args.backend.addon.matMul(tf.util.sizeFromShape(batchA), m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0, args.backend.values(a), args.backend.values(b), out.values);
    return out.info;
  },

  FerRelu(args) {
    return kernels.Relu(args);
  },

  /** Sums over leading axes (bias gradients, whole-tensor sums) natively; other axis sets on the cpu kernel. */
  Sum(args) {
    const { x } = args.inputs;
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    if (!floats(args.backend, x) || !axes.every((a, i) => a === i)) return cpuKernel('Sum')(args);
    const kept = x.shape.slice(axes.length);
    const out = args.backend.output(keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : kept);
    args.backend.addon.columnSums(tf.util.sizeFromShape(x.shape.slice(0, axes.length)), tf.util.sizeFromShape(kept), args.backend.values(x), out.values);
    return out.info;
  },

  FerGlobalAvgPool(args) {
    const { x } = args.inputs;
    const [n, h, w, c] = x.shape;
    const out = args.backend.output([n, c]);
    args.backend.addon.globalAvgPool(n, h * w, c, args.backend.values(x), out.values);
    return out.info;
  },

  FerGlobalAvgPoolGrad(args) {
    const { dy } = args.inputs;
    const [n, h, w, c] = args.attrs.xShape as number[];
    const out = args.backend.output([n, h, w, c]);
    args.backend.addon.globalAvgPoolGrad(n, h * w, c, args.backend.values(dy), out.values);
    return out.info;
  },

  FerOcclusionGate(args) {
    const { low, m } = args.inputs;
    const c = low.shape[low.shape.length - 1];
    const out = args.backend.output(low.shape);
    args.backend.addon.occlusionGate(tf.util.sizeFromShape(low.shape) / c, c, args.backend.values(low), args.backend.values(m), out.values);
    return out.info;
  },

  FerOcclusionGateGrad(args) {
    const { dy, low, m } = args.inputs;
    const c = low.shape[low.shape.length - 1];
    const be = args.backend;
    const dlow = be.output(low.shape);
    const dm = be.output(m.shape);
    be.addon.occlusionGateGrad(tf.util.sizeFromShape(low.shape) / c, c, be.values(dy), be.values(low), be.values(m), dlow.values, dm.values);
    return [dlow.info, dm.info];
  },

  FerBceWithLogitsMean(args) {
    const { z, y } = args.inputs;
    const out = args.backend.output([]);
    args.backend.addon.bceWithLogitsMean(args.backend.values(z), args.backend.values(y), out.values);
    return out.info;
  },

  FerBceWithLogitsMeanGrad(args) {
    const { dloss, z, y } = args.inputs;
    const out = args.backend.output(z.shape);
    args.backend.addon.bceWithLogitsMeanGrad(args.backend.values(dloss), args.backend.values(z), args.backend.values(y), out.values);
    return out.info;
  },

  FerAddRelu(args) {
    const { a, b } = args.inputs;
    const out = args.backend.output(a.shape);
    args.backend.addon.addRelu(args.backend.values(a), args.backend.values(b), out.values);
    return out.info;
  },

  FerReluGrad(args) {
    const { dy, y } = args.inputs;
    const out = args.backend.output(dy.shape);
    args.backend.addon.reluGrad(args.backend.values(dy), args.backend.values(y), out.values);
    return out.info;
  },

  FerBatchNormTrain(args) {
    const { x, gamma, beta } = args.inputs;
    const c = x.shape[x.shape.length - 1];
    const be = args.backend;
    const eps = args.attrs.epsilon as number;
    const y = be.output(x.shape);
    const mean = be.output([c]);
    const variance = be.output([c]);
    const ws = args.attrs.relu ? be.output([be.addon.batchNormWorkspaceSize(nhwc(x.shape), eps)]) : null;
    be.addon.batchNormTrain(nhwc(x.shape), eps, be.values(x), be.values(gamma), be.values(beta), y.values, mean.values, variance.values, ws?.values ?? null);
    return ws ? [y.info, mean.info, variance.info, ws.info] : [y.info, mean.info, variance.info];
  },

  FerBatchNormGrad(args) {
    const { dy, x, gamma, beta, mean, variance, workspace } = args.inputs;
    const c = x.shape[x.shape.length - 1];
    const be = args.backend;
    const dx = be.output(x.shape);
    const dgamma = be.output([c]);
    const dbeta = be.output([c]);
    be.addon.batchNormGrad(
      nhwc(x.shape), args.attrs.epsilon as number,
      be.values(x), be.values(dy), be.values(gamma), be.values(beta), be.values(mean), be.values(variance),
      dx.values, dgamma.values, dbeta.values, workspace ? be.values(workspace) : null,
    );
    return [dx.info, dgamma.info, dbeta.info];
  },

  FerBatchNormInfer(args) {
    const { x, gamma, beta, mean, variance } = args.inputs;
    const be = args.backend;
    const y = be.output(x.shape);
    be.addon.batchNormInfer(nhwc(x.shape), args.attrs.epsilon as number, be.values(x), be.values(gamma), be.values(beta), be.values(mean), be.values(variance), y.values, args.attrs.relu ? 1 : 0);
    return y.info;
  },
};

/**
 * A broadcasting binary op as the addon runs it: dimensions padded to the output's rank, strides
 * 0 where an input is broadcast, then adjacent dimensions merged wherever both inputs are
 * contiguous across them (so `x / 127.5` is one flat loop, and a per-channel bias one loop per row).
 */
function broadcastPlan(out: number[], aShape: number[], bShape: number[]): { shape: number[]; sa: number[]; sb: number[] } {
  const r = out.length;
  const strides = (shape: number[]) => {
    const s = [...Array(r - shape.length).fill(1), ...shape];
    const st = new Array<number>(r);
    let acc = 1;
    for (let d = r - 1; d >= 0; d--) {
      st[d] = s[d] === 1 ? 0 : acc;
      acc *= s[d];
    }
    return st;
  };
  const sa0 = strides(aShape);
  const sb0 = strides(bShape);
  const shape: number[] = [];
  const sa: number[] = [];
  const sb: number[] = [];
  for (let d = 0; d < r; d++) {
    if (out[d] === 1) continue;
    const k = shape.length - 1;
    // Merge into the previous (outer) dimension when both inputs step through it contiguously.
    if (k >= 0 && sa[k] === sa0[d] * out[d] && sb[k] === sb0[d] * out[d]) {
      shape[k] *= out[d];
      sa[k] = sa0[d];
      sb[k] = sb0[d];
    } else {
      shape.push(out[d]);
      sa.push(sa0[d]);
      sb.push(sb0[d]);
    }
  }
  if (shape.length === 0) return { shape: [1], sa: [0], sb: [0] };
  return { shape, sa, sb };
}

function binary(name: string, op: 0 | 1 | 2 | 3): NativeKernel {
  return (args) => {
    const { a, b } = args.inputs;
    if (!floats(args.backend, a, b)) return cpuKernel(name)(args);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const plan = broadcastPlan(outShape, a.shape, b.shape);
    const out = args.backend.output(outShape);
    args.backend.addon.binary(op, plan.shape, plan.sa, plan.sb, args.backend.values(a), args.backend.values(b), out.values);
    return out.info;
  };
}

/** Batch norm normalises over every axis but the last: a 4-D tensor as is, others as [M, 1, 1, C]. */
function nhwc(shape: number[]): number[] {
  if (shape.length === 4) return shape;
  const c = shape[shape.length - 1];
  return [tf.util.sizeFromShape(shape) / c, 1, 1, c];
}

let registered = false;

/** Registers the native backend's kernels: every cpu kernel, with fer-run's native ones over them. */
export function registerNativeKernels(): void {
  if (registered) return;
  registered = true;
  for (const k of tf.getKernelsForBackend('cpu')) {
    if (!(k.kernelName in kernels)) tf.registerKernel({ ...k, backendName: NATIVE_BACKEND });
  }
  for (const [kernelName, f] of Object.entries(kernels)) {
    tf.registerKernel({ kernelName, backendName: NATIVE_BACKEND, kernelFunc: f as unknown as tf.KernelFunc });
  }
  tf.registerGradient({
    kernelName: 'FerRelu',
    outputsToSave: [true],
    gradFunc: (dy, saved) => ({ x: () => tf.engine().runKernel('FerReluGrad', { dy: dy as tf.Tensor, y: saved[0] }) as tf.Tensor }),
  });
  tf.registerGradient({
    kernelName: 'FerAddRelu',
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const dx = tf.engine().runKernel('FerReluGrad', { dy: dy as tf.Tensor, y: saved[0] }) as tf.Tensor;
      return { a: () => dx, b: () => tf.clone(dx) };
    },
  });
  tf.registerGradient({
    kernelName: 'FerOcclusionGate',
    inputsToSave: ['low', 'm'],
    gradFunc: (dy, saved) => {
      const [dlow, dm] = tf.engine().runKernel('FerOcclusionGateGrad', { dy: dy as tf.Tensor, low: saved[0], m: saved[1] }) as tf.Tensor[];
      return { low: () => dlow, m: () => dm };
    },
  });
  tf.registerGradient({
    kernelName: 'FerBceWithLogitsMean',
    inputsToSave: ['z', 'y'],
    // The targets are data (synthetic occlusion masks): only the logits get a gradient.
    gradFunc: (dy, saved) => ({ z: () => tf.engine().runKernel('FerBceWithLogitsMeanGrad', { dloss: dy as tf.Tensor, z: saved[0], y: saved[1] }) as tf.Tensor }),
  });
  tf.registerGradient({
    kernelName: 'FerGlobalAvgPool',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => ({ x: () => tf.engine().runKernel('FerGlobalAvgPoolGrad', { dy: dy as tf.Tensor }, { xShape: saved[0].shape }) as tf.Tensor }),
  });
  tf.registerGradient({
    kernelName: 'FerBatchNormTrain',
    inputsToSave: ['x', 'gamma', 'beta'],
    outputsToSave: [false, true, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [x, gamma, beta, mean, variance, workspace] = saved;
      const dy = (dys as tf.Tensor[])[0];
      const inputs: tf.NamedTensorMap = { dy, x, gamma, beta, mean, variance };
      if (workspace) inputs.workspace = workspace;
      const [dx, dgamma, dbeta] = tf.engine().runKernel('FerBatchNormGrad', inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
}
