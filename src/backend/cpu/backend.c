/* backend.c — the CPU backend's table: every family registers its kernels here. */
#include "cpu.h"
#include "gemm.h"

mx_backend mxi_cpu_backend = {
    .name = "cpu",
    .type = MX_CPU,
};

__attribute__((constructor)) static void cpu_backend_init(void) {
  mx_kernel_fn *k = mxi_cpu_backend.kernels;
  mxi_blas_init();
  mxi_cpu_register_copy(k);
  mxi_cpu_register_creation(k);
  mxi_cpu_register_unary(k);
  mxi_cpu_register_cast(k);
  mxi_cpu_register_binary(k);
  mxi_cpu_register_reduce(k);
  mxi_cpu_register_scan(k);
  mxi_cpu_register_join(k);
  mxi_cpu_register_indexing(k);
  mxi_cpu_register_sort(k);
  mxi_cpu_register_linalg(k);
  mxi_cpu_register_nn(k);
  mxi_cpu_register_conv(k);
  mxi_cpu_register_random(k);
}
