// backend.cu — the CUDA backend's entry point: finds usable GPUs, creates their contexts and fills
// the backend table with every kernel family's kernels. Where no GPU is usable the table has no
// devices (programs run on the CPU) but still answers what it supports.
extern "C" {
#include "../backends.h"
}
#include "common.cuh"

int mxc_init_devices();
void mxc_fill_backend_ops(mx_backend *b);

static mx_backend cuda_backend;
static mxc_supports_fn supports_of[MX_NUM_PRIMS]; // NULL: the kernel runs every node of its primitive

mx_backend *mxc_backend() { return &cuda_backend; }

static bool supports(void *ctx, const mx_array *node) {
  mxc_supports_fn f = supports_of[node->prim];
  return !f || f(node);
}

extern "C" mx_backend *mxi_cuda_backend_init(void) {
  mxc_init_devices(); // none usable: the table stays, with device_count 0
  cuda_backend.name = "cuda";
  cuda_backend.type = MX_CUDA;
  mxc_fill_backend_ops(&cuda_backend);
  cuda_backend.supports = supports;
  mx_kernel_fn *k = cuda_backend.kernels;
  mxc_supports_fn *s = supports_of;
  mxc_register_copy(k, s);
  mxc_register_creation(k, s);
  mxc_register_unary_float(k, s);
  mxc_register_unary_misc(k, s);
  mxc_register_cast(k, s);
  mxc_register_binary_arith(k, s);
  mxc_register_binary_cmp(k, s);
  mxc_register_binary_bits(k, s);
  mxc_register_where(k, s);
  mxc_register_reduce(k, s);
  mxc_register_arg_reduce(k, s);
  mxc_register_matmul(k, s);
  mxc_register_nn(k, s);
  mxc_register_random(k, s);
  mxc_register_permutation(k, s);
  mxc_register_conv(k, s);
  mxc_register_scan(k, s);
  mxc_register_sort(k, s);
  mxc_register_gather(k, s);
  mxc_register_scatter(k, s);
  mxc_register_join(k, s);
  return &cuda_backend;
}
