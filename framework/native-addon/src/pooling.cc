// Max pooling, NHWC, forward and backward: ResNet's stem pool (3×3, stride 2) on a 56–112 px map.
// tfjs's cpu MaxPoolGrad loops over every input pixel and every window that covers it, per
// channel, through index arithmetic: ~5 s a ResNet-18 step at 112 px. Here a window is walked
// once per output pixel, the channels innermost (contiguous in NHWC), images split among threads
// (windows overlap within an image, so a thread scatters only into its own images).
//
// Semantics match tfjs's cpu kernels: only in-bounds positions take part (padding is not a
// value), the maximum is the first strictly greater value in window scan order (rows, then
// columns), and the gradient goes to that position alone, summed in output raster order.
#include <limits>
#include <vector>

#include "kernels.h"
#include "napi-util.h"

namespace fer {
namespace {

struct PoolDims {
  int64_t n, h, w, c, kh, kw, oh, ow, sh, sw, top, left;
  explicit PoolDims(const std::vector<int64_t>& d) : n(d.at(0)), h(d.at(1)), w(d.at(2)), c(d.at(3)), kh(d.at(4)), kw(d.at(5)), oh(d.at(6)), ow(d.at(7)), sh(d.at(8)), sw(d.at(9)), top(d.at(10)), left(d.at(11)) {
    if (d.size() != 12) throw std::invalid_argument("pool dims: expected 12 numbers");
  }
};

/**
 * For output pixel (i, oy, ox): best[k] = the window's maximum of channel k, at[k] = its input
 * offset (pixel index · c + k), the first strictly greater in scan order.
 */
inline void windowMax(const PoolDims& d, const float* x, int64_t i, int64_t oy, int64_t ox, float* best, int64_t* at) {
  for (int64_t k = 0; k < d.c; k++) {
    best[k] = -std::numeric_limits<float>::infinity();
    at[k] = -1;
  }
  const int64_t y0 = oy * d.sh - d.top, x0 = ox * d.sw - d.left;
  for (int64_t wy = 0; wy < d.kh; wy++) {
    const int64_t iy = y0 + wy;
    if (iy < 0 || iy >= d.h) continue;
    for (int64_t wx = 0; wx < d.kw; wx++) {
      const int64_t ix = x0 + wx;
      if (ix < 0 || ix >= d.w) continue;
      const int64_t base = ((i * d.h + iy) * d.w + ix) * d.c;
      const float* xp = x + base;
      for (int64_t k = 0; k < d.c; k++) {
        const bool greater = xp[k] > best[k];
        best[k] = greater ? xp[k] : best[k];
        at[k] = greater ? base + k : at[k];
      }
    }
  }
}

}  // namespace

// maxPool(dims, x, y): y[n, oh, ow, c] = the maximum of each window
napi_value MaxPool(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 3);
    const PoolDims d(a.ints(0));
    const float* x = a.f32(1, d.n * d.h * d.w * d.c, "x");
    float* y = a.f32(2, d.n * d.oh * d.ow * d.c, "y");
#pragma omp parallel
    {
      std::vector<int64_t> at(d.c);
#pragma omp for
      for (int64_t i = 0; i < d.n; i++)
        for (int64_t oy = 0; oy < d.oh; oy++)
          for (int64_t ox = 0; ox < d.ow; ox++) windowMax(d, x, i, oy, ox, y + ((i * d.oh + oy) * d.ow + ox) * d.c, at.data());
    }
  });
}

// maxPoolGrad(dims, dy, x, dx): dx = dy routed to each window's maximum, zero elsewhere
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 4);
    const PoolDims d(a.ints(0));
    const float* dy = a.f32(1, d.n * d.oh * d.ow * d.c, "dy");
    const float* x = a.f32(2, d.n * d.h * d.w * d.c, "x");
    float* dx = a.f32(3, d.n * d.h * d.w * d.c, "dx");
#pragma omp parallel
    {
      std::vector<float> best(d.c);
      std::vector<int64_t> at(d.c);
#pragma omp for
      for (int64_t i = 0; i < d.n; i++) {
        float* dxi = dx + i * d.h * d.w * d.c;
        for (int64_t j = 0; j < d.h * d.w * d.c; j++) dxi[j] = 0.f;
        for (int64_t oy = 0; oy < d.oh; oy++)
          for (int64_t ox = 0; ox < d.ow; ox++) {
            windowMax(d, x, i, oy, ox, best.data(), at.data());
            const float* g = dy + ((i * d.oh + oy) * d.ow + ox) * d.c;
            for (int64_t k = 0; k < d.c; k++)
              if (at[k] >= 0) dx[at[k]] += g[k];
          }
      }
    }
  });
}

}  // namespace fer
