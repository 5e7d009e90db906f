/* backend.c — the CPU backend's table: every kernel family registers its kernels here; memory is
 * the host allocator's (core/buffer.c), work runs synchronously on the calling thread and the
 * pool, so there are no streams to wait for and no device copies. */
#include <stdio.h>

#include "../backends.h"
#include "cpu.h"
#include "gemm.h"

static int device_count(void *ctx) { return 1; }
static void describe(void *ctx, int device, char *buf, size_t len) { snprintf(buf, len, "cpu"); }
static void memory_stats(void *ctx, int device, mx_memory_stats *out) { mxi_host_stats(out); }
static void reset_peak(void *ctx, int device) { mxi_host_reset_peak(); }
static void set_limit(void *ctx, int device, size_t limit) { mxi_host_set_limit(limit); }
static void clear_cache(void *ctx, int device) { mxi_host_clear_cache(); }

static mx_backend cpu_backend = {
    .name = "cpu",
    .type = MX_CPU,
    .device_count = device_count,
    .describe = describe,
    .memory_stats = memory_stats,
    .reset_peak = reset_peak,
    .set_limit = set_limit,
    .clear_cache = clear_cache,
};

mx_backend *mxi_cpu_backend_init(void) {
  mx_kernel_fn *k = cpu_backend.kernels;
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
  mxi_cpu_register_scatter(k);
  mxi_cpu_register_sort(k);
  mxi_cpu_register_linalg(k);
  mxi_cpu_register_nn(k);
  mxi_cpu_register_conv(k);
  mxi_cpu_register_random(k);
  mxi_cpu_register_quant(k);
  return &cpu_backend;
}
