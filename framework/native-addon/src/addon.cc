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
             {"dnnlVersion", Version}};
  for (const auto& f : fns) {
    napi_value v;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &v);
    napi_set_named_property(env, exports, f.name, v);
  }
  return exports;
}

}  // namespace fer

NAPI_MODULE(NODE_GYP_MODULE_NAME, fer::Init)
