// fer-run's native kernels: the module's exports. Every function works in place on the
// Float32Arrays it is given (tfjs cpu-backend tensor storage), with no copies.
#include "kernels.h"
#include "napi-util.h"

namespace fer {

dnnl::engine& cpuEngine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& cpuStream() {
  static dnnl::stream s(cpuEngine());
  return s;
}

static napi_value Version(napi_env env, napi_callback_info) {
  const dnnl_version_t* v = dnnl_version();
  char buf[64];
  snprintf(buf, sizeof buf, "%d.%d.%d", v->major, v->minor, v->patch);
  napi_value out;
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &out);
  return out;
}

// oneDNN's instruction-set names (dnnl_cpu_isa_t), as ONEDNN_MAX_CPU_ISA spells them in lower case.
static const struct {
  const char* name;
  dnnl_cpu_isa_t isa;
} kIsas[] = {{"all", dnnl_cpu_isa_all},
             {"sse41", dnnl_cpu_isa_sse41},
             {"avx", dnnl_cpu_isa_avx},
             {"avx2", dnnl_cpu_isa_avx2},
             {"avx2_vnni", dnnl_cpu_isa_avx2_vnni},
             {"avx512_core", dnnl_cpu_isa_avx512_core},
             {"avx512_core_vnni", dnnl_cpu_isa_avx512_core_vnni},
             {"avx512_core_bf16", dnnl_cpu_isa_avx512_core_bf16},
             {"avx512_core_amx", dnnl_cpu_isa_avx512_core_amx}};

// The widest instruction set oneDNN dispatches to here: the CPU's, or less under ONEDNN_MAX_CPU_ISA.
static napi_value CpuIsa(napi_env env, napi_callback_info) {
  const dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  const char* name = "unknown";
  for (const auto& k : kIsas)
    if (k.isa == isa) name = k.name;
  napi_value out;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  const struct {
    const char* name;
    napi_callback fn;
  } fns[] = {{"conv2d", Conv2d},         {"batchNormTrain", BatchNormTrain}, {"batchNormGrad", BatchNormGrad},
             {"batchNormInfer", BatchNormInfer}, {"batchNormWorkspaceSize", BatchNormWorkspaceSize}, {"relu", Relu},           {"reluGrad", ReluGrad}, {"addRelu", AddRelu},
             {"adam", Adam},                     {"matMul", MatMul},
             {"binary", Binary},         {"globalAvgPool", GlobalAvgPool},  {"globalAvgPoolGrad", GlobalAvgPoolGrad}, {"maxPool", MaxPool}, {"maxPoolGrad", MaxPoolGrad},
             {"axpby", Axpby},           {"columnSums", ColumnSums},           {"occlusionGate", OcclusionGate},  {"occlusionGateGrad", OcclusionGateGrad},
             {"bceWithLogitsMean", BceWithLogitsMean}, {"bceWithLogitsMeanGrad", BceWithLogitsMeanGrad},
             {"dnnlVersion", Version}, {"cpuIsa", CpuIsa}};
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}

}  // namespace fer

NAPI_MODULE(NODE_GYP_MODULE_NAME, fer::Init)
