// Batch normalisation over N·H·W per channel (NHWC) through oneDNN: training forward (batch mean
// and biased variance out), backward (dx, dγ, dβ in one pass) and inference with moving statistics.
// With `relu` the ReLU that follows is fused in (oneDNN's fuse_norm_relu): the forward keeps a
// workspace of which outputs were clipped, and the backward masks the incoming gradient with it,
// saving a full read-write pass over the activations each way.
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "kernels.h"
#include "napi-util.h"

namespace fer {

using dnnl::memory;
using dnnl::normalization_flags;
using tag = memory::format_tag;
using dt = memory::data_type;

struct BnEntry {
  dnnl::batch_normalization_forward::primitive_desc fwdPd;
  dnnl::primitive fwd, bwd, infer;
  memory x, y, dy, dx, scale, shift, mean, var, dscale, dshift, ws;
  size_t wsBytes = 0;
};

using BnKey = std::tuple<int64_t, int64_t, int64_t, int64_t, float, bool>;
static std::map<BnKey, std::unique_ptr<BnEntry>> cache;

static BnEntry& entryFor(int64_t n, int64_t h, int64_t w, int64_t c, float eps, bool relu) {
  BnKey key{n, h, w, c, eps, relu};
  auto it = cache.find(key);
  if (it != cache.end()) return *it->second;
  auto& eng = cpuEngine();
  memory::desc md({n, c, h, w}, dt::f32, tag::nhwc), cMd({c}, dt::f32, tag::x);
  auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
  if (relu) flags = flags | normalization_flags::fuse_norm_relu;
  auto e = std::make_unique<BnEntry>();
  dnnl::batch_normalization_forward::desc fd(dnnl::prop_kind::forward_training, md, eps, flags);
  e->fwdPd = dnnl::batch_normalization_forward::primitive_desc(fd, eng);
  e->fwd = dnnl::batch_normalization_forward(e->fwdPd);
  dnnl::batch_normalization_backward::desc bd(dnnl::prop_kind::backward, md, md, eps, flags);
  e->bwd = dnnl::batch_normalization_backward(dnnl::batch_normalization_backward::primitive_desc(bd, eng, e->fwdPd));
  dnnl::batch_normalization_forward::desc id(dnnl::prop_kind::forward_inference, md, eps, flags | normalization_flags::use_global_stats);
  e->ws = memory(e->fwdPd.workspace_desc(), eng, nullptr);
  e->wsBytes = e->fwdPd.workspace_desc().get_size();
  e->infer = dnnl::batch_normalization_forward(dnnl::batch_normalization_forward::primitive_desc(id, eng));
  for (memory* m : {&e->x, &e->y, &e->dy, &e->dx}) *m = memory(md, eng, nullptr);
  for (memory* m : {&e->scale, &e->shift, &e->mean, &e->var, &e->dscale, &e->dshift}) *m = memory(cMd, eng, nullptr);
  return *cache.emplace(key, std::move(e)).first->second;
}

struct Dims {
  int64_t n, h, w, c, size;
};

static Dims dimsOf(const Args& a, size_t i) {
  auto d = a.ints(i);
  if (d.size() != 4) throw std::invalid_argument("batch norm: shape must be [n, h, w, c]");
  return {d[0], d[1], d[2], d[3], d[0] * d[1] * d[2] * d[3]};
}

// The workspace a fused-ReLU forward needs, in floats (the caller allocates it as a Float32Array).
static int64_t wsFloats(const BnEntry& e) { return static_cast<int64_t>((e.wsBytes + 3) / 4); }

// Runs a forward-training or backward primitive; a workspace array (argument `wsArg`, present
// exactly when the entry fuses the ReLU) carries which outputs the ReLU clipped.
static void execute(BnEntry& e, dnnl::primitive& p, std::unordered_map<int, memory> args, const Args& a, size_t wsArg, bool relu) {
  if (relu) {
    e.ws.set_data_handle(a.f32(wsArg, wsFloats(e), "workspace"));
    args.insert({DNNL_ARG_WORKSPACE, e.ws});
  }
  auto& st = cpuStream();
  p.execute(st, args);
  st.wait();
}

// batchNormWorkspaceSize([n,h,w,c], eps): floats of workspace for the fused-ReLU variant
napi_value BatchNormWorkspaceSize(napi_env env, napi_callback_info info) {
  napi_value out = nullptr;
  guarded(env, [&] {
    Args a(env, info, 2);
    Dims d = dimsOf(a, 0);
    napi_create_double(env, static_cast<double>(wsFloats(entryFor(d.n, d.h, d.w, d.c, static_cast<float>(a.num(1)), true))), &out);
  });
  return out;
}

// batchNormTrain([n,h,w,c], eps, x, gamma, beta, y, mean, variance, workspace | null)
// A workspace array selects the fused ReLU: y = max(BN(x), 0).
napi_value BatchNormTrain(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9);
    Dims d = dimsOf(a, 0);
    const bool relu = a.isArray(8);
    BnEntry& e = entryFor(d.n, d.h, d.w, d.c, static_cast<float>(a.num(1)), relu);
    e.x.set_data_handle(a.f32(2, d.size, "x"));
    e.scale.set_data_handle(a.f32(3, d.c, "gamma"));
    e.shift.set_data_handle(a.f32(4, d.c, "beta"));
    e.y.set_data_handle(a.f32(5, d.size, "y"));
    e.mean.set_data_handle(a.f32(6, d.c, "mean"));
    e.var.set_data_handle(a.f32(7, d.c, "variance"));
    execute(e, e.fwd,
            {{DNNL_ARG_SRC, e.x}, {DNNL_ARG_SCALE, e.scale}, {DNNL_ARG_SHIFT, e.shift}, {DNNL_ARG_DST, e.y}, {DNNL_ARG_MEAN, e.mean}, {DNNL_ARG_VARIANCE, e.var}},
            a, 8, relu);
  });
}

// batchNormGrad([n,h,w,c], eps, x, dy, gamma, beta, mean, variance, dx, dgamma, dbeta, workspace | null)
// dy is the gradient of the (fused-ReLU, when a workspace is given) output.
napi_value BatchNormGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 12);
    Dims d = dimsOf(a, 0);
    const bool relu = a.isArray(11);
    BnEntry& e = entryFor(d.n, d.h, d.w, d.c, static_cast<float>(a.num(1)), relu);
    e.x.set_data_handle(a.f32(2, d.size, "x"));
    e.dy.set_data_handle(a.f32(3, d.size, "dy"));
    e.scale.set_data_handle(a.f32(4, d.c, "gamma"));
    // oneDNN 2.6 reads the shift memory in backward too when use_shift is set.
    e.shift.set_data_handle(a.f32(5, d.c, "beta"));
    e.mean.set_data_handle(a.f32(6, d.c, "mean"));
    e.var.set_data_handle(a.f32(7, d.c, "variance"));
    e.dx.set_data_handle(a.f32(8, d.size, "dx"));
    e.dscale.set_data_handle(a.f32(9, d.c, "dgamma"));
    e.dshift.set_data_handle(a.f32(10, d.c, "dbeta"));
    execute(e, e.bwd,
            {{DNNL_ARG_SRC, e.x},
             {DNNL_ARG_DIFF_DST, e.dy},
             {DNNL_ARG_SCALE, e.scale},
             {DNNL_ARG_SHIFT, e.shift},
             {DNNL_ARG_MEAN, e.mean},
             {DNNL_ARG_VARIANCE, e.var},
             {DNNL_ARG_DIFF_SRC, e.dx},
             {DNNL_ARG_DIFF_SCALE, e.dscale},
             {DNNL_ARG_DIFF_SHIFT, e.dshift}},
            a, 11, relu);
  });
}

// batchNormInfer([n,h,w,c], eps, x, gamma, beta, movingMean, movingVariance, y, relu 0/1)
napi_value BatchNormInfer(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 9);
    Dims d = dimsOf(a, 0);
    BnEntry& e = entryFor(d.n, d.h, d.w, d.c, static_cast<float>(a.num(1)), a.num(8) != 0);
    e.x.set_data_handle(a.f32(2, d.size, "x"));
    e.scale.set_data_handle(a.f32(3, d.c, "gamma"));
    e.shift.set_data_handle(a.f32(4, d.c, "beta"));
    e.mean.set_data_handle(a.f32(5, d.c, "mean"));
    e.var.set_data_handle(a.f32(6, d.c, "variance"));
    e.y.set_data_handle(a.f32(7, d.size, "y"));
    auto& st = cpuStream();
    e.infer.execute(st, {{DNNL_ARG_SRC, e.x}, {DNNL_ARG_SCALE, e.scale}, {DNNL_ARG_SHIFT, e.shift}, {DNNL_ARG_MEAN, e.mean},
                         {DNNL_ARG_VARIANCE, e.var}, {DNNL_ARG_DST, e.y}});
    st.wait();
  });
}

}  // namespace fer
