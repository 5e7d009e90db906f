/* cpu.h — what CPU kernels share: the thread pool, strided iteration over broadcast operands,
 * and each kernel family's registration into the CPU backend's table. */
#ifndef MX_CPU_H
#define MX_CPU_H

#include "../../core/backend.h"

/* ---- thread pool (pool.c) ---- */
int mxi_num_threads(void);
/* Calls fn(ctx, lo, hi) over disjoint ranges covering [0, n), in parallel when n > grain. */
void mxi_parallel_for(int64_t n, int64_t grain, void (*fn)(void *ctx, int64_t lo, int64_t hi),
                      void *ctx);

/* ---- elementwise iteration (iter.c) ---- */
#define MXI_MAX_OPS 4
/* A 1-D strided loop over n elements: operand k starts at ptrs[k] and advances by strides[k]
 * bytes; operand 0 is the output. Contiguous operands have stride == element size. */
typedef void (*mxi_loop_fn)(int64_t n, char **ptrs, const int64_t *strides, const void *ctx);
/* Runs loop over out's shape with inputs broadcast to it (out must be allocated). cost is a
 * rough per-element cost (1 for a copy or add, ~10 for a transcendental) that decides how many
 * threads to use. */
void mxi_cpu_map(mx_array *out, int nin, mx_array *const *in, mxi_loop_fn loop, const void *ctx,
                 int cost);

/* Operand layout after broadcasting and merging dimensions (iter.c); used by kernels that
 * iterate themselves. */
typedef struct mxi_layout {
  int ndim;
  int64_t shape[MX_MAX_DIMS];
  int64_t strides[MXI_MAX_OPS][MX_MAX_DIMS];
  char *base[MXI_MAX_OPS];
} mxi_layout;
/* Broadcasts arrays[1..n) to arrays[0]'s shape and merges dimensions. Size-1 dims are dropped. */
void mxi_make_layout(mxi_layout *l, int n, mx_array *const *arrays);


/* ---- kernel families: each fills its primitives' entries ---- */
void mxi_cpu_register_copy(mx_kernel_fn *k);
void mxi_cpu_register_creation(mx_kernel_fn *k);
void mxi_cpu_register_unary(mx_kernel_fn *k);
void mxi_cpu_register_cast(mx_kernel_fn *k);
void mxi_cpu_register_binary(mx_kernel_fn *k);
void mxi_cpu_register_reduce(mx_kernel_fn *k);
void mxi_cpu_register_scan(mx_kernel_fn *k);
void mxi_cpu_register_join(mx_kernel_fn *k);
void mxi_cpu_register_indexing(mx_kernel_fn *k);
void mxi_cpu_register_scatter(mx_kernel_fn *k);
void mxi_cpu_register_sort(mx_kernel_fn *k);
void mxi_cpu_register_linalg(mx_kernel_fn *k);
void mxi_cpu_register_nn(mx_kernel_fn *k);
void mxi_cpu_register_conv(mx_kernel_fn *k);
void mxi_cpu_register_conv_grad(mx_kernel_fn *k); /* called by mxi_cpu_register_conv */
void mxi_cpu_register_random(mx_kernel_fn *k);
void mxi_cpu_register_quant(mx_kernel_fn *k);

#endif
