/* test_probe_messages.c — error messages name the op the user called (issue 10 item 15), and
 * the error handler runs once per new error, not again when an error array is evaluated. */
#include "harness.h"
#include "mx/nn.h"

TEST(composite_ops_name_themselves) {
  mx_shape bad = {.ndim = 9};
  CHECK_ERROR(mx_zeros(bad, MX_FLOAT32), "mx_zeros: ndim 9");
  CHECK_ERROR(mx_ones(MX_SHAPE(2, -1), MX_FLOAT32), "mx_ones: negative dimension in shape (2,-1)");
  CHECK_ERROR(mx_init_he_uniform(MX_SHAPE(4, 0), MX_FLOAT32, mx_random_key(0)),
              "mx_init_he_uniform: fan_in is 0 for shape (4,0)");
  CHECK_ERROR(mx_init_he_normal(MX_SHAPE(4, 0), MX_FLOAT32, mx_random_key(0)), "mx_init_he_normal: fan_in is 0");
  CHECK_ERROR(mx_init_glorot_uniform(MX_SHAPE(0, 0), 1, MX_FLOAT32, mx_random_key(0)),
              "mx_init_glorot_uniform: fan_in + fan_out is 0");
  CHECK_ERROR(mx_mean(mx_scalar(1), MX_AXES(3), false), "mx_mean");
}

TEST(copy_to_names_a_bad_dtype) {
  float buf[4];
  mx_clear_error();
  CHECK(mx_array_copy_to(mx_ones(MX_SHAPE(4), MX_FLOAT32), buf, 4, (mx_dtype)99) == MX_ERROR);
  CHECK_STR(mx_last_error(), "mx_array_copy_to: invalid dtype 99");
}

static int calls;
static void count(const char *msg, void *ctx) {
  (void)msg;
  (void)ctx;
  calls++;
}

TEST(the_error_handler_runs_once_per_new_error) {
  mx_set_error_handler(count, NULL);
  calls = 0;
  mx_array *e = mx_reshape(mx_ones(MX_SHAPE(4), MX_FLOAT32), MX_SHAPE(3));
  CHECK_INT(calls, 1);
  CHECK(mx_eval(e) == MX_ERROR);
  CHECK(mx_eval(e) == MX_ERROR);
  CHECK_INT(calls, 1); /* before: 3 */
  mx_array *f = mx_add(e, mx_scalar(1)); /* propagated: not new */
  CHECK(mx_eval(f) == MX_ERROR);
  CHECK_INT(calls, 1);
  /* an error found while evaluating is new once, then old */
  int32_t seven = 7;
  mx_array *g = mx_take(mx_ones(MX_SHAPE(3), MX_FLOAT32), mx_array_new(&seven, MX_SHAPE(1), MX_INT32), 0);
  mx_array *h = mx_negative(g);
  CHECK(mx_eval(h) == MX_ERROR);
  CHECK_INT(calls, 2);
  CHECK(mx_eval(h) == MX_ERROR);
  CHECK(mx_eval(g) == MX_ERROR);
  CHECK_INT(calls, 2);
  mx_clear_error();
  CHECK(mx_eval(e) == MX_ERROR); /* mx_last_error still tells why */
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_reshape"));
  mx_set_error_handler(NULL, NULL);
}
