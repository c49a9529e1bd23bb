/*
 * fer-run's own wasm SIMD kernels, run inside tfjs-backend-wasm's shared memory.
 *
 * Built by build.sh into kernels.wasm (committed; clang is not needed to install or run fer-run).
 * The module imports tfjs's WebAssembly.Memory and reads and writes tensors where tfjs keeps them,
 * so it must own nothing in that memory: no data segments and no shadow stack. Everything here is
 * scalar or v128 locals (build.sh checks the output for __stack_pointer and data).
 *
 * Every kernel takes (thread, threads) last: the main thread and each pool worker call it with
 * their index, and the kernel picks its own share (kernels.ts runs the pool).
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
