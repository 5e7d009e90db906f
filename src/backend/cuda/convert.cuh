// convert.cuh — core/convert.h's conversions on the device: every source widens to int64, uint64
// or double; float -> integer truncates and saturates (NaN -> 0), integer -> integer wraps, int ->
// float goes through double, and float16/bfloat16 round from float32 — bit for bit the CPU's casts.
#ifndef MX_CUDA_CONVERT_CUH
#define MX_CUDA_CONVERT_CUH

#include <type_traits>

#include "../../core/saturate.h"
#include "dtypes.cuh"

// The wide family of a storage type.
template <typename T> __device__ __forceinline__ auto mxc_wide(T v) {
  if constexpr (std::is_same<T, mxc_bool>::value) return (unsigned long long)(v.v != 0);
  else if constexpr (std::is_same<T, mxc_f16>::value || std::is_same<T, mxc_bf16>::value)
    return (double)mxc_num<T>::ld(v);
  else if constexpr (std::is_floating_point<T>::value) return (double)v;
  else if constexpr (std::is_signed<T>::value) return (long long)v;
  else return (unsigned long long)v;
}

// double -> integer T: truncate toward zero, saturate, NaN -> 0 (core/saturate.h).
template <typename T> __device__ __forceinline__ T mxc_sat(double x) { return mxi_sat(x, (T *)0); }

// A wide value W (long long, unsigned long long or double) stored as T.
template <typename T, typename W> __device__ __forceinline__ T mxc_store(W v) {
  if constexpr (std::is_same<T, mxc_bool>::value) return mxc_bool{(uint8_t)(v != 0)};
  else if constexpr (std::is_same<T, mxc_f16>::value) return mxc_f16{mxi_f32_to_f16((float)(double)v)};
  else if constexpr (std::is_same<T, mxc_bf16>::value) return mxc_bf16{mxi_f32_to_bf16((float)(double)v)};
  else if constexpr (std::is_floating_point<T>::value) return (T)(double)v;
  else if constexpr (std::is_floating_point<W>::value) return mxc_sat<T>(v);
  else return (T)(unsigned long long)v; // integer -> integer wraps
}

#endif
