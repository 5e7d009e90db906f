// backend.cu — the CUDA backend's entry point: finds usable GPUs, creates their contexts, installs
// the buffer hooks and registers the backend table with every kernel family's kernels.
// Primitives without a CUDA kernel run on the CPU (core eval falls back with a warning).
#include "common.cuh"

int mxc_init_devices();
void mxc_fill_backend_ops(mx_backend *b);

static mx_backend cuda_backend;

extern "C" void mxi_cuda_backend_init(void) {
  if (mxc_init_devices() <= 0) return; // no GPU: register nothing, mx stays CPU-only
  cuda_backend.name = "cuda";
  cuda_backend.type = MX_CUDA;
  mxc_fill_backend_ops(&cuda_backend);
  mx_kernel_fn *k = cuda_backend.kernels;
  mxc_register_copy(k);
  mxc_register_creation(k);
  mxc_register_unary_float(k);
  mxc_register_unary_misc(k);
  mxc_register_cast(k);
  mxc_register_binary_arith(k);
  mxc_register_binary_cmp(k);
  mxc_register_binary_bits(k);
  mxc_register_where(k);
  mxc_register_reduce(k);
  mxc_register_arg_reduce(k);
  mxc_register_matmul(k);
  mxc_register_nn(k);
  mxc_register_random(k);
  mxc_register_permutation(k);
  mxc_register_conv(k);
  mxc_register_scan(k);
  mxc_register_sort(k);
  mxc_register_gather(k);
  mxc_register_scatter(k);
  mxc_register_join(k);
  mxc_install_hooks();
  mxi_register_backend(&cuda_backend);
}
