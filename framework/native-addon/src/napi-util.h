// Small helpers over the plain N-API C interface: argument unpacking that throws a C++ exception
// on a wrong type or size, turned into a JS TypeError at the function boundary.
#pragma once
#include <node_api.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace fer {

struct Args {
  napi_env env;
  std::vector<napi_value> v;
  Args(napi_env e, napi_callback_info info, size_t expected) : env(e), v(expected) {
    size_t argc = expected;
    napi_get_cb_info(e, info, &argc, v.data(), nullptr, nullptr);
    if (argc < expected) throw std::invalid_argument("expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  }

  /** A Float32Array's data, without a copy; `want` elements exactly unless want < 0. */
  float* f32(size_t i, int64_t want, const char* name) const {
    bool is = false;
    napi_is_typedarray(env, v[i], &is);
    if (!is) throw std::invalid_argument(std::string(name) + " must be a Float32Array");
    napi_typedarray_type t;
    size_t n = 0;
    void* data = nullptr;
    napi_get_typedarray_info(env, v[i], &t, &n, &data, nullptr, nullptr);
    if (t != napi_float32_array) throw std::invalid_argument(std::string(name) + " must be a Float32Array");
    if (want >= 0 && static_cast<int64_t>(n) != want)
      throw std::invalid_argument(std::string(name) + " has " + std::to_string(n) + " elements, expected " + std::to_string(want));
    return static_cast<float*>(data);
  }

  /** Is argument i a typed array (rather than null/undefined)? */
  bool isArray(size_t i) const {
    bool is = false;
    napi_is_typedarray(env, v[i], &is);
    return is;
  }

  int64_t length(size_t i) const {
    napi_typedarray_type t;
    size_t n = 0;
    napi_get_typedarray_info(env, v[i], &t, &n, nullptr, nullptr, nullptr);
    return static_cast<int64_t>(n);
  }

  double num(size_t i) const {
    double d = 0;
    if (napi_get_value_double(env, v[i], &d) != napi_ok) throw std::invalid_argument("argument " + std::to_string(i) + " must be a number");
    return d;
  }

  int64_t i64(size_t i) const { return static_cast<int64_t>(num(i)); }

  /** An array of numbers (hyper-parameters). */
  std::vector<double> nums(size_t i) const {
    uint32_t n = 0;
    if (napi_get_array_length(env, v[i], &n) != napi_ok) throw std::invalid_argument("argument " + std::to_string(i) + " must be an array");
    std::vector<double> out(n);
    for (uint32_t k = 0; k < n; k++) {
      napi_value e;
      napi_get_element(env, v[i], k, &e);
      if (napi_get_value_double(env, e, &out[k]) != napi_ok) throw std::invalid_argument("argument " + std::to_string(i) + " must hold numbers");
    }
    return out;
  }

  /** An array of integers (shapes, strides, pads). */
  std::vector<int64_t> ints(size_t i) const {
    auto d = nums(i);
    return std::vector<int64_t>(d.begin(), d.end());
  }
};

/** Wraps a C++ body so that any exception becomes a JS error instead of aborting the process. */
template <typename F>
napi_value guarded(napi_env env, F&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    napi_throw_error(env, "FER_DNNL", e.what());
  }
  return nullptr;
}

}  // namespace fer
