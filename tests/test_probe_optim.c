/* test_probe_optim.c — a failed optimizer step loses nothing (issue 10 item 3): when evaluating
 * the new parameters fails (a bad index inside a gradient, a memory limit), the module keeps
 * its old weights, the optimizer its old state and step count, the step can be retried, and the
 * retried run ends exactly where a run that never failed does. Before, the new lazy parameters
 * were swapped in before evaluation: every weight became an error array and saving failed. */
#include <stdio.h>
#include <unistd.h>

#include "harness.h"
#include "mx/optim.h"

#define NW (16 * 16 + 16)

static mx_array *mse(void *ctx, mx_module *m, int n, mx_array **batch) {
  (void)ctx;
  (void)n;
  return mx_mean(mx_square(mx_subtract(mx_module_forward(m, batch[0]), batch[1])), MX_ALL_AXES, false);
}

/* the weights and bias, flattened, as float64 */
static void weights(mx_module *m, double *out) {
  CHECK(mx_array_copy_to(mx_module_get(m, "weight"), out, 256, MX_FLOAT64) == MX_OK);
  CHECK(mx_array_copy_to(mx_module_get(m, "bias"), out + 256, 16, MX_FLOAT64) == MX_OK);
}

static void grads_of(mx_module *m, mx_array **g) {
  mx_array *batch[2] = {mx_random_normal(mx_random_key(7), MX_SHAPE(8, 16), 0, 1, MX_FLOAT32),
                        mx_random_normal(mx_random_key(8), MX_SHAPE(8, 16), 0, 1, MX_FLOAT32)};
  mx_array *loss = NULL;
  CHECK(mx_value_and_grad_module(m, mse, NULL, 2, batch, &loss, g) == MX_OK);
  CHECK(mx_eval_many(2, g) == MX_OK);
}

static size_t active_bytes(void) {
  mx_memory_stats st;
  mx_memory_stats_get(mx_cpu_device(), &st);
  return st.active;
}

/* Fails a step in the way given, checks nothing moved, then retries it. */
static void failed_step_then_retry(mx_module *m, mx_optimizer *o, bool by_memory) {
  mx_array *g[2];
  grads_of(m, g);
  double before[NW], after[NW];
  weights(m, before);
  int64_t steps = mx_optim_steps(o);
  mx_status st;
  if (by_memory) {
    mx_memory_set_limit(mx_cpu_device(), active_bytes() + 512); /* new weights need 1 KiB */
    st = mx_optim_update(o, m, 2, g);
    mx_memory_set_limit(mx_cpu_device(), 0);
  } else { /* index 7 of a 3-element array: known bad only when evaluated */
    int32_t seven = 7;
    mx_array *bad = mx_sum(mx_take(mx_ones(MX_SHAPE(3), MX_FLOAT32), mx_array_new(&seven, MX_SHAPE(1), MX_INT32), 0),
                           MX_ALL_AXES, false);
    mx_array *poisoned[2] = {mx_add(g[0], bad), g[1]};
    st = mx_optim_update(o, m, 2, poisoned);
  }
  CHECK(st == MX_ERROR);
  CHECK_INT(mx_optim_steps(o), steps);
  weights(m, after);
  int same = 0;
  for (int i = 0; i < NW; i++) same += before[i] == after[i];
  CHECK_INT(same, NW);
  CHECK(mx_optim_update(o, m, 2, g) == MX_OK); /* the retry */
  CHECK_INT(mx_optim_steps(o), steps + 1);
}

TEST(a_failed_step_keeps_the_model_and_can_be_retried) {
  mx_module *m = mx_nn_linear(16, 16, true, mx_random_key(1));
  mx_module *ref = mx_nn_linear(16, 16, true, mx_random_key(1)); /* the same, never failing */
  mx_optimizer *o = mx_optim_adam(0.01, 0.9, 0.999, 1e-8), *oref = mx_optim_adam(0.01, 0.9, 0.999, 1e-8);
  mx_array *g[2];
  for (int step = 0; step < 3; step++) {
    mx_scope s = mx_scope_begin();
    if (step == 0) {
      grads_of(m, g);
      CHECK(mx_optim_update(o, m, 2, g) == MX_OK);
    } else {
      failed_step_then_retry(m, o, step == 2);
    }
    grads_of(ref, g);
    CHECK(mx_optim_update(oref, ref, 2, g) == MX_OK);
    mx_scope_end(s);
  }
  double got[NW], want[NW];
  weights(m, got);
  weights(ref, want);
  int same = 0;
  for (int i = 0; i < NW; i++) same += got[i] == want[i];
  CHECK_INT(same, NW); /* Adam's moments survived the failures too */
  char path[64];
  snprintf(path, sizeof path, "/tmp/mx_probe_optim_%d.safetensors", (int)getpid());
  CHECK(mx_module_save(m, path) == MX_OK);
  CHECK(mx_module_load(ref, path) == MX_OK);
  unlink(path);
  mx_optim_free(o);
  mx_optim_free(oref);
  mx_module_free(m);
  mx_module_free(ref);
}
