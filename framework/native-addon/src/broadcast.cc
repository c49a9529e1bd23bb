// Broadcasting elementwise arithmetic (add, sub, mul, div), global average pooling and its
// gradient, and out = α·x + β·y (moving averages). The caller coalesces dimensions, so the inner
// loop runs over the longest contiguous stretch with strides 0 or 1 on each side.
#include "kernels.h"
#include "napi-util.h"

namespace fer {

template <int Op>
static inline float apply(float a, float b) {
  if constexpr (Op == 0) return a + b;
  if constexpr (Op == 1) return a - b;
  if constexpr (Op == 2) return a * b;
  return a / b;
}

template <int Op>
static void run(const std::vector<int64_t>& shape, const std::vector<int64_t>& sa, const std::vector<int64_t>& sb, const float* a,
                const float* b, float* out) {
  const int r = static_cast<int>(shape.size());
  const int64_t inner = shape[r - 1], ia = sa[r - 1], ib = sb[r - 1];
  int64_t outer = 1;
  for (int d = 0; d < r - 1; d++) outer *= shape[d];
#pragma omp parallel for if (outer * inner > kParallelMin)
  for (int64_t o = 0; o < outer; o++) {
    int64_t rest = o, offA = 0, offB = 0;
    for (int d = r - 2; d >= 0; d--) {
      const int64_t i = rest % shape[d];
      rest /= shape[d];
      offA += i * sa[d];
      offB += i * sb[d];
    }
    const float* pa = a + offA;
    const float* pb = b + offB;
    float* po = out + o * inner;
    if (ia == 1 && ib == 1) {
#pragma omp simd
      for (int64_t i = 0; i < inner; i++) po[i] = apply<Op>(pa[i], pb[i]);
    } else if (ia == 1) {
      const float vb = pb[0];
#pragma omp simd
      for (int64_t i = 0; i < inner; i++) po[i] = apply<Op>(pa[i], vb);
    } else if (ib == 1) {
      const float va = pa[0];
#pragma omp simd
      for (int64_t i = 0; i < inner; i++) po[i] = apply<Op>(va, pb[i]);
    } else {
      const float v = apply<Op>(pa[0], pb[0]);
      for (int64_t i = 0; i < inner; i++) po[i] = v;
    }
  }
}

// binary(op, outShape, aStrides, bStrides, a, b, out): op 0 add, 1 sub, 2 mul, 3 div;
// strides are 0 on broadcast dimensions; the last dimension's strides must be 0 or 1.
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, 7);
    const int op = static_cast<int>(args.i64(0));
    auto shape = args.ints(1), sa = args.ints(2), sb = args.ints(3);
    const size_t r = shape.size();
    if (r == 0 || sa.size() != r || sb.size() != r || op < 0 || op > 3) throw std::invalid_argument("binary: bad op, shape or strides");
    if ((sa[r - 1] != 0 && sa[r - 1] != 1) || (sb[r - 1] != 0 && sb[r - 1] != 1)) throw std::invalid_argument("binary: inner strides must be 0 or 1");
    int64_t total = 1, spanA = 1, spanB = 1;
    for (size_t d = 0; d < r; d++) {
      total *= shape[d];
      spanA += (shape[d] - 1) * sa[d];
      spanB += (shape[d] - 1) * sb[d];
    }
    if (args.length(4) < spanA || args.length(5) < spanB) throw std::invalid_argument("binary: strides reach past an input");
    const float* a = args.f32(4, -1, "a");
    const float* b = args.f32(5, -1, "b");
    float* out = args.f32(6, total, "out");
    switch (op) {
      case 0: run<0>(shape, sa, sb, a, b, out); break;
      case 1: run<1>(shape, sa, sb, a, b, out); break;
      case 2: run<2>(shape, sa, sb, a, b, out); break;
      default: run<3>(shape, sa, sb, a, b, out); break;
    }
  });
}

// globalAvgPool(n, hw, c, x, y): y[n, c] = mean over hw of x[n, hw, c]
napi_value GlobalAvgPool(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 5);
    const int64_t n = a.i64(0), hw = a.i64(1), c = a.i64(2);
    const float* x = a.f32(3, n * hw * c, "x");
    float* y = a.f32(4, n * c, "y");
    const float inv = 1.f / static_cast<float>(hw);
#pragma omp parallel for if (n * hw * c > kParallelMin)
    for (int64_t i = 0; i < n; i++) {
      float* yi = y + i * c;
      for (int64_t k = 0; k < c; k++) yi[k] = 0.f;
      for (int64_t p = 0; p < hw; p++) {
        const float* xp = x + (i * hw + p) * c;
#pragma omp simd
        for (int64_t k = 0; k < c; k++) yi[k] += xp[k];
      }
      for (int64_t k = 0; k < c; k++) yi[k] *= inv;
    }
  });
}

// globalAvgPoolGrad(n, hw, c, dy, dx): dx[n, p, c] = dy[n, c] / hw
napi_value GlobalAvgPoolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 5);
    const int64_t n = a.i64(0), hw = a.i64(1), c = a.i64(2);
    const float* dy = a.f32(3, n * c, "dy");
    float* dx = a.f32(4, n * hw * c, "dx");
    const float inv = 1.f / static_cast<float>(hw);
#pragma omp parallel for if (n * hw * c > kParallelMin)
    for (int64_t i = 0; i < n; i++) {
      for (int64_t p = 0; p < hw; p++) {
        float* d = dx + (i * hw + p) * c;
        const float* g = dy + i * c;
#pragma omp simd
        for (int64_t k = 0; k < c; k++) d[k] = g[k] * inv;
      }
    }
  });
}

// columnSums(rows, cols, x, out): out[j] = Σ_i x[i, j], accumulated in double. The gradient of a
// broadcast bias (and any sum over leading axes) is this; tfjs's cpu Sum transposes first.
napi_value ColumnSums(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    const int64_t rows = a.i64(0), cols = a.i64(1);
    const float* x = a.f32(2, rows * cols, "x");
    float* out = a.f32(3, cols, "out");
    std::vector<double> acc(cols, 0.0);
    for (int64_t i = 0; i < rows; i++) {
      const float* xi = x + i * cols;
      for (int64_t j = 0; j < cols; j++) acc[j] += xi[j];
    }
    for (int64_t j = 0; j < cols; j++) out[j] = static_cast<float>(acc[j]);
  });
}

// axpby(x, y, out, alpha, beta): out = alpha·x + beta·y (out may be x)
napi_value Axpby(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 5);
    const int64_t n = a.length(0);
    const float *x = a.f32(0, n, "x"), *y = a.f32(1, n, "y");
    const float alpha = a.num(3), beta = a.num(4);
    mapElements(a.f32(2, n, "out"), n, [=](float u, float v) { return alpha * u + beta * v; }, x, y);
  });
}

}  // namespace fer
