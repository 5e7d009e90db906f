/* safetensors_dtype.h — what the reader and the writer share: the format's dtype names, the
 * reference writer's dtype order (its Rust enum's declaration order), the header size limit. */
#ifndef MX_IO_SAFETENSORS_DTYPE_H
#define MX_IO_SAFETENSORS_DTYPE_H

#include "mx/base.h"

/* The reference (safetensors' MAX_HEADER_SIZE) refuses larger headers, and so does mx's reader
 * (a bound on what a hostile file can make it allocate); the writer refuses to make one. */
#define MXI_ST_HEADER_MAX 100000000ull

/* Indexed by mx_dtype. rank: position in the reference's Dtype enum, which its writer sorts by
 * (descending) so that wider elements come first and every tensor stays aligned. */
static const struct {
  const char *name;
  int rank;
} mxi_st_dtypes[MX_NUM_DTYPES] = {
    [MX_BOOL] = {"BOOL", 0},     [MX_UINT8] = {"U8", 4},      [MX_INT8] = {"I8", 5},
    [MX_INT16] = {"I16", 9},     [MX_UINT16] = {"U16", 10},   [MX_FLOAT16] = {"F16", 11},
    [MX_BFLOAT16] = {"BF16", 12}, [MX_INT32] = {"I32", 13},   [MX_UINT32] = {"U32", 14},
    [MX_FLOAT32] = {"F32", 15},  [MX_COMPLEX64] = {"C64", 16}, [MX_FLOAT64] = {"F64", 17},
    [MX_INT64] = {"I64", 18},    [MX_UINT64] = {"U64", 19},
};

#endif
