/* test_probe_memory.c — the host memory limit (issue 10): kernels' work memory (a convolution's
 * im2col buffer) counts against the limit and in the peak like arrays do; past the limit the
 * result is a clear error array, not an over-limit success or a crash. */
#include "harness.h"

static mx_memory_stats stats(void) {
  mx_memory_stats s;
  mx_memory_stats_get(mx_cpu_device(), &s);
  return s;
}

TEST(conv2d_scratch_counts_against_the_memory_limit) {
  /* x 64x64x32 float32 (512 KiB), a 3x3 kernel: the im2col buffer is 4096 x 288 float32 (4.5
   * MiB), larger than the 4 MiB limit on its own. */
  mx_array *key = mx_random_key(7);
  mx_array *x = mx_random_normal(key, MX_SHAPE(1, 64, 64, 32), 0, 1, MX_FLOAT32);
  mx_array *w = mx_random_normal(key, MX_SHAPE(32, 3, 3, 32), 0, 0.1, MX_FLOAT32);
  const int pad[] = {1, 1};
  mx_array *want = mx_conv2d(x, w, NULL, pad, NULL, 1);
  CHECK_OK(want); /* no limit: the reference result (and x, w evaluated) */
  mx_memory_clear_cache(mx_cpu_device());

  size_t limit = (size_t)4 << 20;
  mx_memory_set_limit(mx_cpu_device(), limit);
  mx_memory_reset_peak(mx_cpu_device());
  size_t base = stats().active;
  mx_clear_error();
  mx_array *y = mx_conv2d(x, w, NULL, pad, NULL, 1);
  mx_status st = mx_eval(y);
  mx_memory_stats s = stats();
  printf("    conv2d under a 4 MiB limit: %s, peak %zu bytes (%zu active before)\n",
         st == MX_OK ? "evaluated" : "error", s.peak, base);
  CHECK(s.peak <= limit);
  CHECK(st == MX_ERROR);
  CHECK_ERROR(y, "im2col buffer");
  CHECK_ERROR(y, "memory limit");

  /* Under a limit it fits: the same result, and the peak stays under it. */
  limit = (size_t)16 << 20;
  mx_memory_set_limit(mx_cpu_device(), limit);
  mx_memory_reset_peak(mx_cpu_device());
  y = mx_conv2d(x, w, NULL, pad, NULL, 1);
  CHECK_OK(y);
  s = stats();
  printf("    conv2d under a 16 MiB limit: peak %zu bytes\n", s.peak);
  CHECK(s.peak <= limit);
  CHECK(s.peak >= base + (size_t)4096 * 288 * 4); /* the scratch is in the peak */
  CHECK_CLOSE(mx_item_f64(mx_max(mx_abs(mx_subtract(y, want)), MX_ALL_AXES, false)), 0, 0, 0);
  mx_memory_set_limit(mx_cpu_device(), 0);
}
