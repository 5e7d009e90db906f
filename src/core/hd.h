/* hd.h — MXI_HD, the one qualifier of the functions that the CPU and the CUDA backend compile from
 * the same source (conversions, scalar semantics, geometry, plans): under nvcc they are
 * __host__ __device__, elsewhere plain static inline C. In core because core's own conversions
 * (half.h, saturate.h) are among them. */
#ifndef MX_CORE_HD_H
#define MX_CORE_HD_H

#if defined(__CUDACC__)
#define MXI_HD static __host__ __device__ __forceinline__
#else
#define MXI_HD static inline
#endif

#endif
