// Memory-bound kernels written as plain loops (the compiler vectorises them; OpenMP splits the
// big ones across cores): ReLU and its gradient, the fused Adam(W) update, and
// a batched GEMM over oneDNN's sgemm for the dense layers.
#include <cmath>

#include "kernels.h"
#include "napi-util.h"

namespace fer {

// relu(x, y): y = max(x, 0)
napi_value Relu(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 2);
    const int64_t n = a.length(0);
    const float* x = a.f32(0, n, "x");
    mapElements(a.f32(1, n, "y"), n, [](float v) { return v > 0.f ? v : 0.f; }, x);
  });
}

// addRelu(a, b, y): y = max(a + b, 0), the end of a residual block in one pass
napi_value AddRelu(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 3);
    const int64_t n = a.length(0);
    const float *x = a.f32(0, n, "a"), *z = a.f32(1, n, "b");
    mapElements(a.f32(2, n, "y"), n, [](float u, float v) { return u + v > 0.f ? u + v : 0.f; }, x, z);
  });
}

// reluGrad(dy, y, dx): dx = dy where the output was positive (y > 0 ⇔ x > 0)
napi_value ReluGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 3);
    const int64_t n = a.length(0);
    const float *dy = a.f32(0, n, "dy"), *y = a.f32(1, n, "y");
    mapElements(a.f32(2, n, "dx"), n, [](float g, float v) { return v > 0.f ? g : 0.f; }, dy, y);
  });
}

// adam(w, g, m, v, wOut, mOut, vOut, [lr, beta1, beta2, epsilon, weightDecay, decoupled, bc1, bc2])
// PyTorch's Adam (L2 weight decay added to the gradient) or AdamW (decoupled: w -= lr·wd·w).
// Outputs may be the inputs themselves (in-place) or fresh arrays.
napi_value Adam(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 8);
    const int64_t n = a.length(0);
    const float* w = a.f32(0, n, "w");
    const float* g = a.f32(1, n, "g");
    const float* m = a.f32(2, n, "m");
    const float* v = a.f32(3, n, "v");
    float* wo = a.f32(4, n, "wOut");
    float* mo = a.f32(5, n, "mOut");
    float* vo = a.f32(6, n, "vOut");
    const auto h = a.nums(7);
    if (h.size() != 8) throw std::invalid_argument("adam: hyper-parameters must be 8 numbers");
    // Scalars are formed in double, as the tfjs-op version forms them in JS, then rounded once.
    const float b1 = h[1], b2 = h[2], c1 = 1.0 - h[1], c2 = 1.0 - h[2], eps = h[3];
    const bool decoupled = h[5] != 0;
    const float step = h[0] / h[6], sqrtBc2 = std::sqrt(h[7]);
    const float l2 = decoupled ? 0.f : h[4], dwd = decoupled ? h[0] * h[4] : 0.f;
#pragma omp parallel for simd if (n > kParallelMin)
    for (int64_t i = 0; i < n; i++) {
      const float gi = g[i] + l2 * w[i];
      const float mi = b1 * m[i] + c1 * gi;
      const float vi = b2 * v[i] + c2 * (gi * gi);
      mo[i] = mi;
      vo[i] = vi;
      wo[i] = w[i] - (mi / (std::sqrt(vi) / sqrtBc2 + eps)) * step - dwd * w[i];
    }
  });
}

// matMul(batch, m, n, k, transposeA, transposeB, a, b, out): out[i] = op(a[i]) · op(b[i]), row-major
napi_value MatMul(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9);
    const int64_t batch = a.i64(0), m = a.i64(1), n = a.i64(2), k = a.i64(3);
    const bool ta = a.num(4) != 0, tb = a.num(5) != 0;
    const float* A = a.f32(6, batch * m * k, "a");
    const float* B = a.f32(7, batch * k * n, "b");
    float* C = a.f32(8, batch * m * n, "out");
    for (int64_t i = 0; i < batch; i++) {
      dnnl_status_t s = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, A + i * m * k, ta ? m : k, B + i * k * n, tb ? k : n,
                                   0.f, C + i * m * n, n);
      if (s != dnnl_success) throw std::runtime_error("dnnl_sgemm failed");
    }
  });
}

}  // namespace fer
