// The two per-pixel pieces the attention variants add, each one pass instead of ~6 tfjs ops:
// the gate F-input = low ⊙ (1 − σ(m)) (eq. 1, m broadcast over channels) with its gradient, and
// L_noisy = mean BCE-with-logits (eq. 2) with its gradient.
#include <cmath>

#include "kernels.h"
#include "napi-util.h"

namespace fer {

static inline float sigmoid(float z) { return 1.f / (1.f + std::exp(-z)); }

// occlusionGate(pixels, c, low, m, out): out[p, k] = low[p, k] · (1 − σ(m[p]))
napi_value OcclusionGate(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 5);
    const int64_t p = a.i64(0), c = a.i64(1);
    const float* low = a.f32(2, p * c, "low");
    const float* m = a.f32(3, p, "mask logits");
    float* out = a.f32(4, p * c, "out");
#pragma omp parallel for if (p * c > kParallelMin)
    for (int64_t i = 0; i < p; i++) {
      const float keep = 1.f - sigmoid(m[i]);
      for (int64_t k = 0; k < c; k++) out[i * c + k] = low[i * c + k] * keep;
    }
  });
}

// occlusionGateGrad(pixels, c, dy, low, m, dlow, dm):
//   dlow = dy · (1 − σ(m)),  dm = −Σ_k dy·low · σ(m)(1 − σ(m))
napi_value OcclusionGateGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 7);
    const int64_t p = a.i64(0), c = a.i64(1);
    const float* dy = a.f32(2, p * c, "dy");
    const float* low = a.f32(3, p * c, "low");
    const float* m = a.f32(4, p, "mask logits");
    float* dlow = a.f32(5, p * c, "dlow");
    float* dm = a.f32(6, p, "dm");
#pragma omp parallel for if (p * c > kParallelMin)
    for (int64_t i = 0; i < p; i++) {
      const float s = sigmoid(m[i]);
      float acc = 0.f;
      for (int64_t k = 0; k < c; k++) {
        dlow[i * c + k] = dy[i * c + k] * (1.f - s);
        acc += dy[i * c + k] * low[i * c + k];
      }
      dm[i] = -acc * s * (1.f - s);
    }
  });
}

// bceWithLogitsMean(z, y, out[1]): out = mean(max(z, 0) − z·y + log(1 + e^{−|z|}))
napi_value BceWithLogitsMean(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 3);
    const int64_t n = a.length(0);
    const float* z = a.f32(0, n, "logits");
    const float* y = a.f32(1, n, "targets");
    float* out = a.f32(2, 1, "out");
    double sum = 0;  // in double: a mean over ~10^5 pixels
    for (int64_t i = 0; i < n; i++) sum += std::fmax(z[i], 0.f) - z[i] * y[i] + std::log1p(std::exp(-std::fabs(z[i])));
    out[0] = static_cast<float>(sum / static_cast<double>(n));
  });
}

// bceWithLogitsMeanGrad(dloss, z, y, dz): dz = dloss · (σ(z) − y) / n
napi_value BceWithLogitsMeanGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    const int64_t n = a.length(1);
    const float g = a.f32(0, 1, "dloss")[0] / static_cast<float>(n);
    const float* z = a.f32(1, n, "logits");
    const float* y = a.f32(2, n, "targets");
    mapElements(a.f32(3, n, "dz"), n, [g](float zi, float yi) { return g * (sigmoid(zi) - yi); }, z, y);
  });
}

}  // namespace fer
