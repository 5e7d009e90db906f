/* softmax_cpu.c — mx's fused softmax over the rows of a 4096 x 4096 float32 matrix, best of 15,
 * wall and process CPU time; bench/softmax_numpy.py prints NumPy's figure for the same work.
 * Build against a configured build/ (no CMake target, so it builds only when asked):
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude bench/softmax_cpu.c build/libmx.a \
 *      -lm -lpthread $(grep -o '/usr[^ ;]*openblas[^ ;]*\.so' build/CMakeCache.txt | head -1) \
 *      -o build/softmax_cpu && build/softmax_cpu && python3 bench/softmax_numpy.py */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mx/mx.h"

static double now(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(void) {
  const int n = 4096;
  mx_array *x = mx_random_uniform(mx_random_key(1), MX_SHAPE(n, n), -5, 5, MX_FLOAT32);
  mx_eval(x);
  for (int log_out = 0; log_out < 2; log_out++) {
    double wall = 1e9, cpu = 1e9;
    for (int r = 0; r < 15; r++) {
      mx_scope s = mx_scope_begin();
      double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
      mx_array *y = log_out ? mx_log_softmax(x, MX_AXES(-1)) : mx_softmax(x, MX_AXES(-1));
      if (mx_eval(y) != MX_OK) {
        fprintf(stderr, "%s\n", mx_last_error());
        return 1;
      }
      double w = now(CLOCK_MONOTONIC) - w0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
      wall = w < wall ? w : wall;
      cpu = c < cpu ? c : cpu;
      mx_scope_end(s);
    }
    printf("mx %s 4096x4096 float32 (%s): best of 15 %.2f ms wall, %.2f ms cpu\n",
           log_out ? "log_softmax" : "softmax", getenv("MX_NUM_THREADS") ? getenv("MX_NUM_THREADS") : "all threads",
           wall * 1e3, cpu * 1e3);
  }
  mx_shutdown();
  return 0;
}
