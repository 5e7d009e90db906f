/* params.h — the parameters a primitive node carries, one struct per primitive family. */
#ifndef MX_CORE_PARAMS_H
#define MX_CORE_PARAMS_H

#include "mx/base.h"
#include "mx/indexing.h"
#include "mx/layout.h"

typedef union mx_params {
  /* FULL, RESHAPE, BROADCAST, RANDOM_BITS: the output shape; RANDOM_PERMUTATION: [n] */
  struct {
    int ndim;
    int64_t dims[MX_MAX_DIMS];
  } shape;
  /* ARANGE: element i is start + i * step, computed in float64 */
  struct {
    double start, step;
    int64_t n;
    mx_dtype dtype;
    bool endpoint; /* linspace: the last element is exactly stop */
    double stop;
  } arange;
  /* EYE, TRI: n x m, diagonal k */
  struct {
    int64_t n, m;
    int k;
    mx_dtype dtype;
  } eye;
  /* ASTYPE, VIEW_DTYPE */
  struct {
    mx_dtype dtype;
  } cast;
  /* SUM..ANY: normalized (non-negative, sorted, unique) axes; ARGMAX/ARGMIN use one axis */
  struct {
    int naxes;
    int axes[MX_MAX_DIMS];
    bool keepdims;
    bool to_float64; /* SUM of an integer or bool input: accumulate in and return float64 */
  } reduce;
  /* CUMSUM..LOGCUMSUMEXP: normalized axis */
  struct {
    int axis;
    bool reverse, inclusive;
  } scan;
  /* TRANSPOSE: a full permutation */
  struct {
    int perm[MX_MAX_DIMS];
  } transpose;
  /* SLICE, SLICE_UPDATE: per axis of the input, normalized like Python's slice.indices(): start
   * is the first index taken, step != 0, len elements are taken. */
  struct {
    int64_t start[MX_MAX_DIMS];
    int64_t step[MX_MAX_DIMS];
    int64_t len[MX_MAX_DIMS];
  } slice;
  /* DIAGONAL: normalized axes */
  struct {
    int offset, axis1, axis2;
  } diagonal;
  /* CONCATENATE: normalized axis */
  struct {
    int axis;
  } concat;
  /* PAD */
  struct {
    int64_t lo[MX_MAX_DIMS], hi[MX_MAX_DIMS];
    double value;
    mx_pad_mode mode;
  } pad;
  /* GATHER, SCATTER: the indexed axes of a (normalized), gather's slice sizes, scatter's mode */
  struct {
    int naxes;
    int axes[MX_MAX_DIMS];
    int64_t slice_sizes[MX_MAX_DIMS];
    mx_scatter_mode mode;
    const char *op; /* the public op (a string literal) named in kernel errors; may be NULL */
  } gather;
  /* TAKE_ALONG_AXIS, SCATTER_ALONG_AXIS */
  struct {
    int axis;
    mx_scatter_mode mode;
    const char *op; /* as gather.op */
  } along;
  /* SORT, ARGSORT, PARTITION, ARGPARTITION: normalized axis, normalized kth */
  struct {
    int axis;
    int64_t kth;
  } sort;
  /* LAYER_NORM, RMS_NORM */
  struct {
    double eps;
    bool has_weight, has_bias;
  } norm;
  /* CONV: per spatial axis */
  struct {
    int nspatial;
    int stride[3], pad_lo[3], pad_hi[3], dilation[3];
    int groups;
  } conv;
  /* CONV_GRAD_INPUT, CONV_GRAD_WEIGHT: the forward CONV's params (the same leading members, so
   * .conv reads them), plus the spatial size of the operand whose gradient is computed: the
   * input's (not recoverable from the output when stride > 1) or the kernel's */
  struct {
    int nspatial;
    int stride[3], pad_lo[3], pad_hi[3], dilation[3];
    int groups;
    int64_t size[3];
  } conv_grad;
  /* QUANT_PACK, QUANT_UNPACK, QUANTIZED_MATMUL (include/mx/quant.h): the layout of the packed
   * weights, and for the product whether the weight is used transposed */
  struct {
    int bits, group_size;
    bool transpose;
  } quant;
  /* CUSTOM_OUT: the shared record of one custom_vjp call (src/transforms/custom.c) */
  struct {
    struct mxi_custom_group *group;
    int index;
  } custom;
} mx_params;

#endif
