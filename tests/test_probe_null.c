/* test_probe_null.c — NULL pointers and bad module trees (issue 10 item 14): each is an error
 * like the rest of the API, never a crash. Each case runs in a child process. */
#include <limits.h>

#include "child.h"
#include "harness.h"
#include "mx/optim.h"

static void null_arrays(void *arg) {
  (void)arg;
  mx_array *a = mx_ones(MX_SHAPE(2, 3), MX_FLOAT32);
  CHECK(mx_eval_many(3, NULL) == MX_ERROR);
  CHECK(mx_eval_many(-1, NULL) == MX_ERROR);
  CHECK(mx_eval_many(0, NULL) == MX_OK);
  mx_clear_error();
  CHECK(mx_array_copy_to(a, NULL, 6, MX_FLOAT32) == MX_ERROR);
  CHECK_STR(mx_last_error(), "mx_array_copy_to: dst is NULL");
  CHECK(isnan(mx_array_get_f64(a, NULL)));
  CHECK_CLOSE(mx_array_get_f64(mx_scalar(4), NULL), 4, 0, 0); /* a 0-d array needs no index */
  mx_array *out[2] = {NULL, NULL};
  mx_meshgrid(2, NULL, "ij", out);
  CHECK_ERROR(out[0], "mx_meshgrid: the input list is NULL");
  CHECK_ERROR(mx_concatenate(2, NULL, 0), "NULL");
  mx_meshgrid(2, (mx_array *[]){a, a}, "ij", NULL); /* nowhere to put results: only recorded */
}

static void null_gradients(void *arg) {
  (void)arg;
  mx_module *m = mx_nn_linear(3, 2, true, mx_random_key(0));
  mx_optimizer *o = mx_optim_sgd(0.1, 0, 0, false);
  mx_clear_error();
  CHECK(mx_optim_update(o, m, 2, NULL) == MX_ERROR);
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_optim_update"));
  mx_optim_free(o);
  mx_module_free(m);
}

/* before: freeing both parents freed the child twice */
static void child_with_two_parents(void *arg) {
  (void)arg;
  mx_module *p1 = mx_module_new("P", NULL, NULL, NULL), *p2 = mx_module_new("P", NULL, NULL, NULL);
  mx_module *c = mx_nn_linear(2, 2, false, mx_random_key(0));
  CHECK(mx_module_add_child(p1, "c", c) == MX_OK);
  mx_clear_error();
  CHECK(mx_module_add_child(p2, "c", c) == MX_ERROR);
  CHECK(mx_last_error() && strstr(mx_last_error(), "already a child"));
  CHECK(mx_module_add_child(p1, "c", c) == MX_OK); /* the same place again: nothing changes */
  CHECK_INT(mx_module_count(p1, MX_PARAMS_ALL), 1);
  mx_module_free(p1);
  mx_module_free(p2);
}

/* before: listing or freeing recursed without end */
static void module_cycles(void *arg) {
  (void)arg;
  mx_module *a = mx_module_new("A", NULL, NULL, NULL), *b = mx_module_new("B", NULL, NULL, NULL);
  mx_clear_error();
  CHECK(mx_module_add_child(a, "self", a) == MX_ERROR);
  CHECK(mx_last_error() && strstr(mx_last_error(), "its own descendant"));
  CHECK(mx_module_add_child(a, "b", b) == MX_OK);
  CHECK(mx_module_add_child(b, "a", a) == MX_ERROR);
  CHECK_INT(mx_module_count(a, MX_PARAMS_ALL), 0);
  mx_module_free(a);
}

/* before: k - 1 overflowed (UBSan: signed integer overflow) */
static void triu_int_min(void *arg) {
  (void)arg;
  mx_array *x = mx_ones(MX_SHAPE(3, 3), MX_FLOAT32);
  mx_array *u = mx_triu(x, INT_MIN), *l = mx_tril(x, INT_MIN);
  CHECK_CLOSE(mx_item_f64(mx_sum(u, MX_ALL_AXES, false)), 9, 0, 0);
  CHECK_CLOSE(mx_item_f64(mx_sum(l, MX_ALL_AXES, false)), 0, 0, 0);
  CHECK_CLOSE(mx_item_f64(mx_sum(mx_triu(x, INT_MAX), MX_ALL_AXES, false)), 0, 0, 0);
}

TEST(null_pointers_and_bad_trees_are_errors) {
  CHECK_IN_CHILD(null_arrays, NULL, 60);
  CHECK_IN_CHILD(null_gradients, NULL, 60);
  CHECK_IN_CHILD(child_with_two_parents, NULL, 60);
  CHECK_IN_CHILD(module_cycles, NULL, 60);
  CHECK_IN_CHILD(triu_int_min, NULL, 60);
}
