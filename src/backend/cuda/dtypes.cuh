// dtypes.cuh — device storage types of mx's dtypes and their compute types: float16 and bfloat16
// are stored as 16-bit words and computed in float32 with the CPU's own conversions (half.h), so
// both backends round identically. Dispatch macros turn a runtime dtype into a template argument.
#ifndef MX_CUDA_DTYPES_CUH
#define MX_CUDA_DTYPES_CUH

#include <stdint.h>

#include "../../core/half.h"

struct mxc_f16 {
  uint16_t bits;
};
struct mxc_bf16 {
  uint16_t bits;
};
struct mxc_bool {
  uint8_t v;
};

// Compute type and conversions of each storage type.
template <typename T> struct mxc_num {
  typedef T C;
  static __device__ __forceinline__ C ld(T x) { return x; }
  static __device__ __forceinline__ T st(C x) { return x; }
};
template <> struct mxc_num<mxc_f16> {
  typedef float C;
  static __device__ __forceinline__ float ld(mxc_f16 x) { return mxi_f16_to_f32(x.bits); }
  static __device__ __forceinline__ mxc_f16 st(float x) { return mxc_f16{mxi_f32_to_f16(x)}; }
};
template <> struct mxc_num<mxc_bf16> {
  typedef float C;
  static __device__ __forceinline__ float ld(mxc_bf16 x) { return mxi_bf16_to_f32(x.bits); }
  static __device__ __forceinline__ mxc_bf16 st(float x) { return mxc_bf16{mxi_f32_to_bf16(x)}; }
};
template <> struct mxc_num<mxc_bool> {
  typedef uint8_t C;
  static __device__ __forceinline__ uint8_t ld(mxc_bool x) { return x.v; }
  static __device__ __forceinline__ mxc_bool st(uint8_t x) { return mxc_bool{(uint8_t)(x != 0)}; }
};

// ---- runtime dtype -> template argument ----
#define MXC_CASE(DT, TYPE, ...) \
  case DT: {                    \
    typedef TYPE T;             \
    __VA_ARGS__;                \
    break;                      \
  }
#define MXC_CASES_INT(...)                                                                     \
  MXC_CASE(MX_UINT8, uint8_t, __VA_ARGS__) MXC_CASE(MX_UINT16, uint16_t, __VA_ARGS__)          \
  MXC_CASE(MX_UINT32, uint32_t, __VA_ARGS__) MXC_CASE(MX_UINT64, uint64_t, __VA_ARGS__)        \
  MXC_CASE(MX_INT8, int8_t, __VA_ARGS__) MXC_CASE(MX_INT16, int16_t, __VA_ARGS__)              \
  MXC_CASE(MX_INT32, int32_t, __VA_ARGS__) MXC_CASE(MX_INT64, int64_t, __VA_ARGS__)
#define MXC_CASES_FLOAT(...)                                                                   \
  MXC_CASE(MX_FLOAT16, mxc_f16, __VA_ARGS__) MXC_CASE(MX_BFLOAT16, mxc_bf16, __VA_ARGS__)      \
  MXC_CASE(MX_FLOAT32, float, __VA_ARGS__) MXC_CASE(MX_FLOAT64, double, __VA_ARGS__)
#define MXC_CASES_BOOL(...) MXC_CASE(MX_BOOL, mxc_bool, __VA_ARGS__)

#endif
