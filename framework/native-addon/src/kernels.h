#pragma once
#include <node_api.h>

#include <dnnl.hpp>

#include "napi-util.h"

namespace fer {

// Below this many elements an OpenMP parallel region costs more than it saves.
constexpr int64_t kParallelMin = 1 << 15;

/**
 * out[i] = f(in[i]...) over n elements: the shape of every pointwise kernel here. `f` takes the
 * element values (loaded unconditionally, so the compiler turns selects into vector blends).
 */
template <typename F, typename... In>
void mapElements(float* out, int64_t n, F f, const In*... in) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; i++) out[i] = f(in[i]...);
}

/** One CPU engine and stream for the process; oneDNN runs its own OpenMP threads under it. */
dnnl::engine& cpuEngine();
dnnl::stream& cpuStream();

napi_value Conv2d(napi_env env, napi_callback_info info);
napi_value BatchNormTrain(napi_env env, napi_callback_info info);
napi_value BatchNormGrad(napi_env env, napi_callback_info info);
napi_value BatchNormWorkspaceSize(napi_env env, napi_callback_info info);
napi_value BatchNormInfer(napi_env env, napi_callback_info info);
napi_value Relu(napi_env env, napi_callback_info info);
napi_value ReluGrad(napi_env env, napi_callback_info info);
napi_value AddRelu(napi_env env, napi_callback_info info);
napi_value Adam(napi_env env, napi_callback_info info);
napi_value MatMul(napi_env env, napi_callback_info info);
napi_value Binary(napi_env env, napi_callback_info info);
napi_value GlobalAvgPool(napi_env env, napi_callback_info info);
napi_value MaxPool(napi_env env, napi_callback_info info);
napi_value MaxPoolGrad(napi_env env, napi_callback_info info);
napi_value GlobalAvgPoolGrad(napi_env env, napi_callback_info info);
napi_value Axpby(napi_env env, napi_callback_info info);
napi_value ColumnSums(napi_env env, napi_callback_info info);
napi_value OcclusionGate(napi_env env, napi_callback_info info);
napi_value OcclusionGateGrad(napi_env env, napi_callback_info info);
napi_value BceWithLogitsMean(napi_env env, napi_callback_info info);
napi_value BceWithLogitsMeanGrad(napi_env env, napi_callback_info info);

}  // namespace fer
