/*
 * fer-run's own wasm SIMD kernels, run inside tfjs-backend-wasm's memory.
 *
 * Built by build.sh into kernels-shared.wasm and kernels.wasm (for tfjs's threaded and
 * single-threaded builds; committed, so clang is not needed to install or run fer-run). The
 * module imports tfjs's WebAssembly.Memory and reads and writes tensors where tfjs keeps them,
 * so it must own nothing in that memory: no data segments and no shadow stack. Everything here
 * is scalar or v128 locals (build.sh checks the output for stack-pointer use and data).
 *
 * Every kernel takes (thread, threads) last: the main thread and each pool worker call it with
 * their index, and the kernel picks its own share (pool.ts runs the pool).
 */
#include <wasm_simd128.h>

/* The convolution a filter gradient belongs to: x [n, h, w, ci] * W [kh, kw, ci, co] -> dy [n, ho, wo, co]. */
typedef struct {
  int n, h, w, ci, ho, wo, co, kh, kw, stride, pad_top, pad_left;
} ConvShape;

/*
 * The batch is summed in GROUPS fixed groups of images, each into its own partial, and the
 * partials are added in group order: the result is the same bit for bit whatever the thread count.
 */
#define GROUPS 4

static inline int imin(int a, int b) { return a < b ? a : b; }

/* The output positions o whose input o*s + t - p lies in [0, size): [first, end). */
static inline int first_valid(int t, int p, int s) { int v = p - t; return v <= 0 ? 0 : (v + s - 1) / s; }
static inline int end_valid(int t, int p, int s, int size, int out) { int v = size - 1 + p - t; return v < 0 ? 0 : imin(out, v / s + 1); }

/*
 * One register tile of dW: CB input channels (c0...) by 4*NV output channels (o0...) at tap
 * (ty, tx), summed over images [n0, n1) and added into dw. Rank-1 updates, x broadcast against
 * a row of dy: CB*NV accumulators stay in registers across the whole pixel loop.
 */
#define TILE(CB, NV)                                                                              \
  static void tile_##CB##_##NV(const float* x, const float* dy, float* dw, const ConvShape* s,    \
                               int n0, int n1, int ty, int tx, int c0, int o0) {                  \
    v128_t acc[CB][NV];                                                                           \
    for (int i = 0; i < CB; i++)                                                                  \
      for (int v = 0; v < NV; v++) acc[i][v] = wasm_f32x4_splat(0.f);                             \
    const int oy0 = first_valid(ty, s->pad_top, s->stride), oy1 = end_valid(ty, s->pad_top, s->stride, s->h, s->ho); \
    const int ox0 = first_valid(tx, s->pad_left, s->stride), ox1 = end_valid(tx, s->pad_left, s->stride, s->w, s->wo); \
    const int x_step = s->stride * s->ci;                                                         \
    for (int n = n0; n < n1; n++) {                                                               \
      for (int oy = oy0; oy < oy1; oy++) {                                                        \
        const int iy = oy * s->stride + ty - s->pad_top;                                          \
        const float* xp = x + ((n * s->h + iy) * s->w + ox0 * s->stride + tx - s->pad_left) * s->ci + c0; \
        const float* dp = dy + ((n * s->ho + oy) * s->wo + ox0) * s->co + o0;                     \
        for (int ox = ox0; ox < ox1; ox++) {                                                      \
          v128_t d[NV];                                                                           \
          for (int v = 0; v < NV; v++) d[v] = wasm_v128_load(dp + 4 * v);                         \
          for (int i = 0; i < CB; i++) {                                                          \
            const v128_t xv = wasm_v128_load32_splat(xp + i);                                     \
            for (int v = 0; v < NV; v++) acc[i][v] = wasm_f32x4_add(acc[i][v], wasm_f32x4_mul(xv, d[v])); \
          }                                                                                       \
          xp += x_step;                                                                           \
          dp += s->co;                                                                            \
        }                                                                                         \
      }                                                                                           \
    }                                                                                             \
    float* out = dw + ((ty * s->kw + tx) * s->ci + c0) * s->co + o0;                              \
    for (int i = 0; i < CB; i++)                                                                  \
      for (int v = 0; v < NV; v++) {                                                              \
        float* o = out + i * s->co + 4 * v;                                                       \
        wasm_v128_store(o, wasm_f32x4_add(wasm_v128_load(o), acc[i][v]));                         \
      }                                                                                           \
  }

TILE(4, 2) TILE(3, 2) TILE(2, 2) TILE(1, 2)
TILE(4, 1) TILE(3, 1) TILE(2, 1) TILE(1, 1)

/* Output channels that do not fill a vector (co % 4): plain scalar sums. */
static void tile_scalar(const float* x, const float* dy, float* dw, const ConvShape* s,
                        int n0, int n1, int ty, int tx, int c, int o) {
  float acc = 0.f;
  const int oy0 = first_valid(ty, s->pad_top, s->stride), oy1 = end_valid(ty, s->pad_top, s->stride, s->h, s->ho);
  const int ox0 = first_valid(tx, s->pad_left, s->stride), ox1 = end_valid(tx, s->pad_left, s->stride, s->w, s->wo);
  for (int n = n0; n < n1; n++)
    for (int oy = oy0; oy < oy1; oy++) {
      const int iy = oy * s->stride + ty - s->pad_top;
      const float* xp = x + ((n * s->h + iy) * s->w + ox0 * s->stride + tx - s->pad_left) * s->ci + c;
      const float* dp = dy + ((n * s->ho + oy) * s->wo + ox0) * s->co + o;
      for (int ox = ox0; ox < ox1; ox++, xp += s->stride * s->ci, dp += s->co) acc += *xp * *dp;
    }
  dw[((ty * s->kw + tx) * s->ci + c) * s->co + o] += acc;
}

#define DISPATCH(NV) \
  switch (cb) { \
    case 4: tile_4_##NV(x, dy, dw, s, n0, n1, ty, tx, c0, o0); break; \
    case 3: tile_3_##NV(x, dy, dw, s, n0, n1, ty, tx, c0, o0); break; \
    case 2: tile_2_##NV(x, dy, dw, s, n0, n1, ty, tx, c0, o0); break; \
    default: tile_1_##NV(x, dy, dw, s, n0, n1, ty, tx, c0, o0); \
  }

/* dw += the filter gradient of images [n0, n1), every tap and channel pair. */
static void filter_grad_images(const float* x, const float* dy, float* dw, const ConvShape* s, int n0, int n1) {
  for (int ty = 0; ty < s->kh; ty++)
    for (int tx = 0; tx < s->kw; tx++)
      for (int c0 = 0; c0 < s->ci; c0 += 4) {
        const int cb = imin(4, s->ci - c0);
        int o0 = 0;
        for (; o0 + 8 <= s->co; o0 += 8) DISPATCH(2)
        for (; o0 + 4 <= s->co; o0 += 4) DISPATCH(1)
        for (; o0 < s->co; o0++)
          for (int c = c0; c < c0 + cb; c++) tile_scalar(x, dy, dw, s, n0, n1, ty, tx, c, o0);
      }
}

/*
 * The gradient of a convolution with respect to its filter, dw [kh, kw, ci, co], with the
 * forward padding and stride (positions outside x contribute nothing). Group g's partial goes to
 * dw (g = 0) or partials + (g - 1) * size; sum_partials adds them afterwards. Images are taken a
 * few at a time (about 256 output pixels) so that the tile loops re-read x and dy from cache.
 */
__attribute__((export_name("filter_grad")))
void filter_grad(const float* x, const float* dy, float* dw, float* partials, const ConvShape* s, int thread, int threads) {
  const int size = s->kh * s->kw * s->ci * s->co;
  const int pixels = s->ho * s->wo;
  const int chunk = pixels >= 256 ? 1 : (256 + pixels - 1) / pixels;
  for (int g = thread; g < GROUPS; g += threads) {
    float* out = g == 0 ? dw : partials + (g - 1) * size;
    for (int i = 0; i < size; i++) out[i] = 0.f;
    const int n0 = s->n * g / GROUPS, n1 = s->n * (g + 1) / GROUPS;
    for (int b = n0; b < n1; b += chunk) filter_grad_images(x, dy, out, s, b, imin(n1, b + chunk));
  }
}

/*
 * The filter of the input gradient's combined-phase convolution (conv2d.ts, conv2dInputGrad):
 * out[q][o][phase*ci + c] = f[taps[q*phases + phase]][c][o], zero where the tap is -1, for the
 * `offsets` kernel offsets q. A gather of taps with Ci and Co swapped; the offsets are split
 * among the threads.
 */
__attribute__((export_name("phase_filter")))
void phase_filter(const float* f, const int* taps, int offsets, int phases, int ci, int co, float* out, int thread, int threads) {
  for (int q = thread; q < offsets; q += threads)
    for (int o = 0; o < co; o++)
      for (int ph = 0; ph < phases; ph++) {
        float* dst = out + ((long)(q * co + o) * phases + ph) * ci;
        const int t = taps[q * phases + ph];
        if (t < 0) {
          for (int c = 0; c < ci; c++) dst[c] = 0.f;
        } else {
          const float* src = f + (long)t * ci * co + o;
          for (int c = 0; c < ci; c++) dst[c] = src[(long)c * co];
        }
      }
}

/* dw[i] += partials[0][i] + ... in group order (the elements split between threads). */
__attribute__((export_name("sum_partials")))
void sum_partials(float* dw, const float* partials, int size, int thread, int threads) {
  const int i0 = (int)((long long)size * thread / threads), i1 = (int)((long long)size * (thread + 1) / threads);
  for (int i = i0; i < i1; i++) {
    float v = dw[i];
    for (int g = 1; g < GROUPS; g++) v += partials[(g - 1) * size + i];
    dw[i] = v;
  }
}

__attribute__((export_name("groups")))
int groups(void) { return GROUPS; }

/*
 * Batch normalisation over the rows (N·H·W pixels) of a [rows, c] map, per channel. The
 * per-channel sums go into GROUPS partials of fixed row ranges (the threads take whole groups),
 * which the caller adds in group order: deterministic for any thread count, as above. A block
 * of channels is summed over all the group's rows with its accumulators in registers, then the
 * next block: a column walk, but every cache line of a row is still read once.
 */
static inline int row_split(int rows, int part, int parts) { return (int)((long long)rows * part / parts); }

static inline v128_t relu_mask(v128_t dy, const float* y) { return wasm_v128_and(dy, wasm_f32x4_gt(wasm_v128_load(y), wasm_f32x4_splat(0.f))); }

/* Channels [j, j + 4·NV) of rows [r0, r1): sum of x, or of (x - mean)^2 when mean is set. */
#define STATS_BLOCK(NV)                                                                            \
  static void stats_block_##NV(const float* x, const float* mean, int r0, int r1, int c, int j, float* acc) { \
    v128_t a[NV], m[NV];                                                                           \
    for (int v = 0; v < NV; v++) {                                                                 \
      a[v] = wasm_f32x4_splat(0.f);                                                                \
      m[v] = mean ? wasm_v128_load(mean + j + 4 * v) : a[v];                                       \
    }                                                                                              \
    const float* row = x + (long)r0 * c + j;                                                       \
    if (mean) {                                                                                    \
      for (int r = r0; r < r1; r++, row += c)                                                      \
        for (int v = 0; v < NV; v++) {                                                             \
          const v128_t d = wasm_f32x4_sub(wasm_v128_load(row + 4 * v), m[v]);                      \
          a[v] = wasm_f32x4_add(a[v], wasm_f32x4_mul(d, d));                                        \
        }                                                                                          \
    } else {                                                                                       \
      for (int r = r0; r < r1; r++, row += c)                                                      \
        for (int v = 0; v < NV; v++) a[v] = wasm_f32x4_add(a[v], wasm_v128_load(row + 4 * v));     \
    }                                                                                              \
    for (int v = 0; v < NV; v++) wasm_v128_store(acc + j + 4 * v, a[v]);                           \
  }
STATS_BLOCK(4)
STATS_BLOCK(1)

/* partials[g][j] = sum of x (mean = 0) or of (x - mean)^2 over group g's rows. */
__attribute__((export_name("bn_stats")))
void bn_stats(const float* x, const float* mean, int rows, int c, float* partials, int thread, int threads) {
  for (int g = thread; g < GROUPS; g += threads) {
    float* acc = partials + g * c;
    const int r0 = row_split(rows, g, GROUPS), r1 = row_split(rows, g + 1, GROUPS);
    int j = 0;
    for (; j + 16 <= c; j += 16) stats_block_4(x, mean, r0, r1, c, j, acc);
    for (; j + 4 <= c; j += 4) stats_block_1(x, mean, r0, r1, c, j, acc);
    for (; j < c; j++) {
      float sum = 0.f;
      for (int r = r0; r < r1; r++) {
        const float d = x[(long)r * c + j] - (mean ? mean[j] : 0.f);
        sum += mean ? d * d : d;
      }
      acc[j] = sum;
    }
  }
}

/* y = a*x + b per channel, then max(y, 0) when relu; the rows split among the threads. */
__attribute__((export_name("bn_apply")))
void bn_apply(const float* x, const float* a, const float* b, float* y, int rows, int c, int relu, int thread, int threads) {
  const v128_t zero = wasm_f32x4_splat(0.f);
  for (int r = row_split(rows, thread, threads); r < row_split(rows, thread + 1, threads); r++) {
    const float* xr = x + (long)r * c;
    float* yr = y + (long)r * c;
    int j = 0;
    for (; j + 4 <= c; j += 4) {
      v128_t v = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(xr + j), wasm_v128_load(a + j)), wasm_v128_load(b + j));
      wasm_v128_store(yr + j, relu ? wasm_f32x4_pmax(v, zero) : v);
    }
    for (; j < c; j++) {
      const float v = xr[j] * a[j] + b[j];
      yr[j] = relu && v < 0.f ? 0.f : v; /* as f32x4.pmax(v, 0) */
    }
  }
}

/*
 * The gradient's two per-channel sums with dy' = dy masked by y > 0 (relu) or dy itself:
 * partials[g][0..c) = sum of dy', partials[g][c..2c) = sum of dy' * (x - mean).
 */
#define GRAD_STATS_BLOCK(NV)                                                                       \
  static void grad_stats_block_##NV(const float* dy, const float* y, const float* x, const float* mean, \
                                    int r0, int r1, int c, int j, int relu, float* s1, float* s2) {  \
    v128_t a1[NV], a2[NV], m[NV];                                                                  \
    for (int v = 0; v < NV; v++) {                                                                 \
      a1[v] = a2[v] = wasm_f32x4_splat(0.f);                                                       \
      m[v] = wasm_v128_load(mean + j + 4 * v);                                                     \
    }                                                                                              \
    for (long o = (long)r0 * c + j; o < (long)r1 * c; o += c)                                      \
      for (int v = 0; v < NV; v++) {                                                               \
        v128_t d = wasm_v128_load(dy + o + 4 * v);                                                 \
        if (relu) d = relu_mask(d, y + o + 4 * v);                                                 \
        a1[v] = wasm_f32x4_add(a1[v], d);                                                          \
        a2[v] = wasm_f32x4_add(a2[v], wasm_f32x4_mul(d, wasm_f32x4_sub(wasm_v128_load(x + o + 4 * v), m[v]))); \
      }                                                                                            \
    for (int v = 0; v < NV; v++) {                                                                 \
      wasm_v128_store(s1 + j + 4 * v, a1[v]);                                                      \
      wasm_v128_store(s2 + j + 4 * v, a2[v]);                                                      \
    }                                                                                              \
  }
GRAD_STATS_BLOCK(2)
GRAD_STATS_BLOCK(1)

__attribute__((export_name("bn_grad_stats")))
void bn_grad_stats(const float* dy, const float* y, const float* x, const float* mean, int rows, int c, int relu, float* partials, int thread, int threads) {
  for (int g = thread; g < GROUPS; g += threads) {
    float* s1 = partials + g * 2 * c;
    float* s2 = s1 + c;
    const int r0 = row_split(rows, g, GROUPS), r1 = row_split(rows, g + 1, GROUPS);
    int j = 0;
    for (; j + 8 <= c; j += 8) grad_stats_block_2(dy, y, x, mean, r0, r1, c, j, relu, s1, s2);
    for (; j + 4 <= c; j += 4) grad_stats_block_1(dy, y, x, mean, r0, r1, c, j, relu, s1, s2);
    for (; j < c; j++) {
      float t1 = 0.f, t2 = 0.f;
      for (long o = (long)r0 * c + j; o < (long)r1 * c; o += c) {
        const float d = relu && !(y[o] > 0.f) ? 0.f : dy[o];
        t1 += d;
        t2 += d * (x[o] - mean[j]);
      }
      s1[j] = t1;
      s2[j] = t2;
    }
  }
}

/* dx = p*dy' + q*(x - mean) + r per channel; the rows split among the threads. */
__attribute__((export_name("bn_grad_apply")))
void bn_grad_apply(const float* dy, const float* y, const float* x, const float* mean, const float* pqr, float* dx, int rows, int c, int relu, int thread, int threads) {
  const float* p = pqr;
  const float* q = pqr + c;
  const float* rr = pqr + 2 * c;
  for (int r = row_split(rows, thread, threads); r < row_split(rows, thread + 1, threads); r++) {
    const long o = (long)r * c;
    int j = 0;
    for (; j + 4 <= c; j += 4) {
      v128_t d = wasm_v128_load(dy + o + j);
      if (relu) d = relu_mask(d, y + o + j);
      const v128_t xc = wasm_f32x4_sub(wasm_v128_load(x + o + j), wasm_v128_load(mean + j));
      const v128_t v = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(p + j), d), wasm_f32x4_mul(wasm_v128_load(q + j), xc)), wasm_v128_load(rr + j));
      wasm_v128_store(dx + o + j, v);
    }
    for (; j < c; j++) {
      const float d = relu && !(y[o + j] > 0.f) ? 0.f : dy[o + j];
      dx[o + j] = p[j] * d + q[j] * (x[o + j] - mean[j]) + rr[j];
    }
  }
}

/*
 * The gradient of max pooling, NHWC: dy routed to each window's maximum, the first strictly
 * greater value in window scan order (rows, then columns), in-bounds positions only (tfjs's
 * semantics). dims = n, h, w, c, kh, kw, oh, ow, stride_h, stride_w, pad_top, pad_left. The
 * images split among the threads (windows overlap within an image, so a thread scatters into its
 * own images only); within an image the sums run in output raster order, as tfjs's do.
 */
__attribute__((export_name("maxpool_grad")))
void maxpool_grad(const float* x, const float* dy, float* dx, const int* d, int thread, int threads) {
  const int n = d[0], h = d[1], w = d[2], c = d[3], kh = d[4], kw = d[5], oh = d[6], ow = d[7], sh = d[8], sw = d[9], top = d[10], left = d[11];
  const int n0 = (int)((long long)n * thread / threads), n1 = (int)((long long)n * (thread + 1) / threads);
  for (int i = n0; i < n1; i++) {
    const float* xi = x + (long)i * h * w * c;
    float* dxi = dx + (long)i * h * w * c;
    for (long j = 0; j < (long)h * w * c; j++) dxi[j] = 0.f;
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++) {
        const float* g = dy + (((long)i * oh + oy) * ow + ox) * c;
        const int y0 = oy * sh - top, x0 = ox * sw - left;
        /* The window's in-bounds taps: [wy0, wy1) × [wx0, wx1). */
        const int wy0 = y0 < 0 ? -y0 : 0, wy1 = imin(kh, h - y0), wx0 = x0 < 0 ? -x0 : 0, wx1 = imin(kw, w - x0);
        int k = 0;
        for (; k + 4 <= c; k += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t at = wasm_i32x4_splat(-1);
          for (int wy = wy0; wy < wy1; wy++)
            for (int wx = wx0; wx < wx1; wx++) {
              const int base = ((y0 + wy) * w + x0 + wx) * c + k;
              const v128_t xv = wasm_v128_load(xi + base);
              const v128_t gt = wasm_f32x4_gt(xv, best);
              best = wasm_v128_bitselect(xv, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(base), wasm_i32x4_make(0, 1, 2, 3)), at, gt);
            }
          const int a0 = wasm_i32x4_extract_lane(at, 0), a1 = wasm_i32x4_extract_lane(at, 1), a2 = wasm_i32x4_extract_lane(at, 2), a3 = wasm_i32x4_extract_lane(at, 3);
          if (a0 >= 0) dxi[a0] += g[k];
          if (a1 >= 0) dxi[a1] += g[k + 1];
          if (a2 >= 0) dxi[a2] += g[k + 2];
          if (a3 >= 0) dxi[a3] += g[k + 3];
        }
        for (; k < c; k++) {
          float best = -__builtin_inff();
          int at = -1;
          for (int wy = wy0; wy < wy1; wy++)
            for (int wx = wx0; wx < wx1; wx++) {
              const int o = ((y0 + wy) * w + x0 + wx) * c + k;
              if (xi[o] > best) {
                best = xi[o];
                at = o;
              }
            }
          if (at >= 0) dxi[at] += g[k];
        }
      }
  }
}

/*
 * One Adam step of a variable, elementwise, into fresh outputs (wo, mo, vo); the elements split
 * among the threads. The same formula, in the same order, as adam.ts's tfjs-op form:
 * g' = g + l2·w; m' = β1·m + (1 − β1)·g'; v' = β2·v + (1 − β2)·g'²;
 * w' = (w − (m' / (√v' / √bc2 + ε))·(lr / bc1)) − dw·w, with l2 = wd (PyTorch's Adam) or dw = lr·wd
 * (AdamW). hyper = lr / bc1, β1, 1 − β1, β2, 1 − β2, √bc2, ε, l2, dw: every constant computed in
 * double by the caller, as the tfjs ops take them, so both forms round alike.
 */
__attribute__((export_name("adam")))
void adam(const float* w, const float* g, const float* m, const float* v, float* wo, float* mo, float* vo, int n, const float* hyper, int thread, int threads) {
  const float step = hyper[0], b1 = hyper[1], c1 = hyper[2], b2 = hyper[3], c2 = hyper[4], sqrt_bc2 = hyper[5], eps = hyper[6], l2 = hyper[7], dw = hyper[8];
  const int i0 = (int)((long long)n * thread / threads), i1 = (int)((long long)n * (thread + 1) / threads);
  int i = i0;
  const v128_t vb1 = wasm_f32x4_splat(b1), vb2 = wasm_f32x4_splat(b2), vc1 = wasm_f32x4_splat(c1), vc2 = wasm_f32x4_splat(c2);
  const v128_t vl2 = wasm_f32x4_splat(l2), vdw = wasm_f32x4_splat(dw), vstep = wasm_f32x4_splat(step), vsq = wasm_f32x4_splat(sqrt_bc2), veps = wasm_f32x4_splat(eps);
  for (; i + 4 <= i1; i += 4) {
    const v128_t wi = wasm_v128_load(w + i);
    const v128_t gi = wasm_f32x4_add(wasm_v128_load(g + i), wasm_f32x4_mul(wi, vl2));
    const v128_t mi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(m + i), vb1), wasm_f32x4_mul(gi, vc1));
    const v128_t vi = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(v + i), vb2), wasm_f32x4_mul(wasm_f32x4_mul(gi, gi), vc2));
    const v128_t denom = wasm_f32x4_add(wasm_f32x4_div(wasm_f32x4_sqrt(vi), vsq), veps);
    const v128_t next = wasm_f32x4_sub(wasm_f32x4_sub(wi, wasm_f32x4_mul(wasm_f32x4_div(mi, denom), vstep)), wasm_f32x4_mul(wi, vdw));
    wasm_v128_store(wo + i, next);
    wasm_v128_store(mo + i, mi);
    wasm_v128_store(vo + i, vi);
  }
  for (; i < i1; i++) {
    const float wi = w[i];
    const float gi = g[i] + wi * l2;
    const float mi = m[i] * b1 + gi * c1;
    const float vi = v[i] * b2 + (gi * gi) * c2;
    const float denom = __builtin_sqrtf(vi) / sqrt_bc2 + eps;
    wo[i] = (wi - (mi / denom) * step) - wi * dw;
    mo[i] = mi;
    vo[i] = vi;
  }
}
