/* test_core.c — the array runtime: laziness, scopes and ownership, sticky errors, evaluation
 * (iterative ordering, shared subgraphs, freeing and donation), views, data access. */
#include "core/internal.h"
#include "harness.h"

static size_t active_bytes(void) {
  mx_memory_stats st;
  mx_memory_stats_get(mx_cpu_device(), &st);
  return st.active;
}

TEST(lazy_until_eval) {
  mx_array *x = mx_ones(MX_SHAPE(3, 4), MX_FLOAT32);
  mx_array *y = mx_multiply(mx_exp(x), mx_scalar(2));
  CHECK(!mx_array_is_evaluated(y));
  CHECK_INT(mx_array_ndim(y), 2);
  CHECK_INT(mx_array_shape(y)[1], 4);
  CHECK_INT(mx_array_dtype(y), MX_FLOAT32);
  CHECK_INT(mx_array_size(y), 12);
  CHECK_OK(y);
  CHECK(mx_array_is_evaluated(y));
  CHECK_CLOSE(mx_array_get_f64(y, (int64_t[]){2, 3}), 2 * exp(1.0), 1e-6, 0);
}

TEST(scope_releases_temporaries) {
  size_t before = active_bytes();
  mx_scope s = mx_scope_begin();
  mx_array *x = mx_zeros(MX_SHAPE(1000, 1000), MX_FLOAT32);
  mx_array *y = mx_add(x, mx_scalar(1));
  CHECK_OK(y);
  CHECK(active_bytes() >= before + 4000000);
  mx_scope_end(s);
  CHECK_INT(active_bytes(), before);
}

TEST(keep_moves_to_parent_scope) {
  size_t before = active_bytes();
  mx_scope outer = mx_scope_begin();
  mx_array *kept;
  {
    mx_scope inner = mx_scope_begin();
    mx_array *t = mx_full(MX_SHAPE(256), 3, MX_FLOAT32);
    kept = mx_keep(mx_multiply(t, t));
    mx_scope_end(inner);
  }
  CHECK_CLOSE(mx_item_f64(mx_sum(kept, MX_ALL_AXES, false)), 256 * 9, 0, 0);
  mx_scope_end(outer);
  CHECK_INT(active_bytes(), before);
}

TEST(retain_release) {
  size_t before = active_bytes();
  mx_array *w;
  mx_scope s = mx_scope_begin();
  w = mx_retain(mx_full(MX_SHAPE(100), 2, MX_FLOAT64));
  mx_scope_end(s);
  CHECK_CLOSE(mx_item_f64(mx_sum(w, MX_ALL_AXES, false)), 200, 0, 0);
  mx_release(w);
  /* the scope of this test still holds the sum; the parameter itself is gone */
  CHECK(active_bytes() <= before + 64);
}

TEST(scope_end_closes_inner_scopes_too) {
  size_t before = active_bytes();
  mx_scope a = mx_scope_begin();
  mx_zeros(MX_SHAPE(100), MX_FLOAT32);
  mx_scope_begin(); /* never ended explicitly */
  mx_eval(mx_ones(MX_SHAPE(100), MX_FLOAT32));
  mx_scope_end(a);
  CHECK_INT(active_bytes(), before);
}

static int wrapped_frees;
static void count_free(void *data, void *ctx) {
  (void)data;
  (*(int *)ctx)++;
}

TEST(wrap_zero_copy_calls_destructor_once) {
  static float data[6] = {1, 2, 3, 4, 5, 6};
  wrapped_frees = 0;
  mx_scope s = mx_scope_begin();
  mx_array *a = mx_array_wrap(data, MX_SHAPE(2, 3), MX_FLOAT32, count_free, &wrapped_frees);
  CHECK(mx_array_data(a) == data); /* no copy */
  mx_array *t = mx_transpose(a, MX_ALL_AXES);
  CHECK_CLOSE(mx_array_get_f64(t, (int64_t[]){2, 1}), 6, 0, 0);
  mx_scope_end(s);
  CHECK_INT(wrapped_frees, 1);
  CHECK_ERROR(mx_array_wrap((char *)data + 1, MX_SHAPE(2), MX_FLOAT32, NULL, NULL), "aligned");
}

TEST(sticky_errors_name_op_and_shapes) {
  mx_array *a = mx_ones(MX_SHAPE(2, 3), MX_FLOAT32);
  mx_array *b = mx_ones(MX_SHAPE(4), MX_FLOAT32);
  mx_clear_error();
  mx_array *c = mx_add(a, b);
  CHECK(mx_is_error(c));
  CHECK(strstr(mx_array_error(c), "mx_add") && strstr(mx_array_error(c), "(2,3)") &&
        strstr(mx_array_error(c), "(4)"));
  /* everything downstream is an error carrying the first message */
  mx_array *d = mx_exp(mx_sum(c, MX_ALL_AXES, false));
  CHECK(mx_is_error(d));
  CHECK_STR(mx_array_error(d), mx_array_error(c));
  CHECK(mx_eval(d) == MX_ERROR);
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_add"));
  CHECK(isnan(mx_item_f64(d)));
  /* the program keeps going: later ops work */
  mx_clear_error();
  CHECK_CLOSE(mx_item_f64(mx_sum(a, MX_ALL_AXES, false)), 6, 0, 0);
  CHECK(mx_last_error() == NULL);
}

TEST(error_classes) {
  mx_array *a = mx_ones(MX_SHAPE(2, 3), MX_FLOAT32);
  CHECK_ERROR(mx_sum(a, MX_AXES(2), false), "axis 2 is out of range");
  CHECK_ERROR(mx_sum(a, MX_AXES(0, -2), false), "repeated");
  CHECK_ERROR(mx_reshape(a, MX_SHAPE(4, 2)), "cannot reshape array of shape (2,3)");
  CHECK_ERROR(mx_reshape(a, MX_SHAPE(-1, 4)), "cannot reshape");
  CHECK_ERROR(mx_transpose(a, MX_AXES(0, 0)), "permutation");
  CHECK_ERROR(mx_broadcast_to(a, MX_SHAPE(3, 3)), "cannot broadcast shape (2,3) to (3,3)");
  CHECK_ERROR(mx_zeros(MX_SHAPE(2, -1), MX_FLOAT32), "negative dimension");
  CHECK_ERROR(mx_astype(a, (mx_dtype)99), "invalid dtype");
  CHECK_ERROR(mx_array_new(NULL, MX_SHAPE(3), MX_FLOAT32), "NULL");
  CHECK_ERROR(mx_add(a, NULL), "input 1 is NULL");
  CHECK_ERROR(mx_bitwise_and(a, a), "integers only");
  CHECK_ERROR(mx_negative(mx_ones(MX_SHAPE(2), MX_BOOL)), "mx_logical_not");
  CHECK_ERROR(mx_max(mx_zeros(MX_SHAPE(0, 3), MX_FLOAT32), MX_AXES(0), false), "no identity");
  CHECK_ERROR(mx_arange(0, 10, 0, MX_FLOAT32), "step");
  CHECK_ERROR(mx_slice_axis(a, 1, 0, 3, 0), "step is 0");
  CHECK_ERROR(mx_squeeze(a, MX_AXES(0)), "not 1");
  CHECK(isnan(mx_item_f64(a))); /* 6 elements: not an item */
  CHECK(mx_last_error() && strstr(mx_last_error(), "not 1"));
  mx_clear_error();
}

static int handler_calls;
static void on_error(const char *msg, void *ctx) {
  (void)msg;
  (*(int *)ctx)++;
}

TEST(error_handler_called_per_new_error) {
  handler_calls = 0;
  mx_set_error_handler(on_error, &handler_calls);
  mx_array *e = mx_reshape(mx_ones(MX_SHAPE(2), MX_FLOAT32), MX_SHAPE(3));
  mx_exp(e); /* propagation is not a new error */
  mx_set_error_handler(NULL, NULL);
  CHECK_INT(handler_calls, 1);
  mx_clear_error();
}

TEST(million_op_chain_is_iterative) {
  mx_scope s = mx_scope_begin();
  mx_array *x = mx_zeros(MX_SCALAR_SHAPE, MX_FLOAT64);
  mx_array *one = mx_ones(MX_SCALAR_SHAPE, MX_FLOAT64);
  for (int i = 0; i < 1000000; i++) x = mx_add(x, one);
  CHECK_CLOSE(mx_item_f64(x), 1e6, 0, 0);
  mx_scope_end(s); /* releasing a million nodes must not recurse either */
}

TEST(deep_chain_release_without_eval) {
  mx_scope s = mx_scope_begin();
  mx_array *x = mx_zeros(MX_SHAPE(2), MX_FLOAT32);
  for (int i = 0; i < 300000; i++) x = mx_negative(x);
  mx_scope_end(s);
  CHECK(true);
}

TEST(shared_subgraph_evaluated_once) {
  mx_array *x = mx_arange(0, 8, 1, MX_FLOAT32);
  CHECK_OK(x);
  mx_array *y = mx_exp(x);
  mx_array *z = mx_add(mx_multiply(y, y), y);
  uint64_t before = mxi_nodes_run;
  CHECK_OK(z);
  CHECK_INT(mxi_nodes_run - before, 3); /* exp, multiply, add */
  CHECK_CLOSE(mx_array_get_f64(z, (int64_t[]){3}), exp(6.0) + exp(3.0), 1e-6, 0);
}

TEST(eval_many_shares_work) {
  mx_array *x = mx_arange(0, 4, 1, MX_FLOAT32);
  CHECK_OK(x);
  mx_array *y = mx_sin(x);
  mx_array *outs[2] = {mx_add(y, mx_scalar(1)), mx_multiply(y, mx_scalar(2))};
  uint64_t before = mxi_nodes_run;
  CHECK(mx_eval_many(2, outs) == MX_OK);
  CHECK_INT(mxi_nodes_run - before, 3);
}

TEST(intermediates_freed_and_donated) {
  /* x + 1, then five unary ops: with donation and freeing the peak stays near two buffers */
  mx_array *x = mx_ones(MX_SHAPE(1 << 20), MX_FLOAT32);
  CHECK_OK(x);
  mx_array *y = mx_add(x, mx_scalar(1));
  y = mx_sqrt(mx_exp(mx_sin(mx_cos(mx_negative(y)))));
  size_t base = active_bytes();
  mx_memory_reset_peak(mx_cpu_device());
  CHECK_OK(y);
  mx_memory_stats st;
  mx_memory_stats_get(mx_cpu_device(), &st);
  CHECK(st.peak - base <= (size_t)4 * (1 << 20) + 4096); /* one result buffer, reused */
  CHECK_CLOSE(mx_array_get_f64(y, (int64_t[]){5}), sqrt(exp(sin(cos(-2.0)))), 1e-6, 0);
}

TEST(kept_intermediate_keeps_value_freed_one_recomputes) {
  mx_array *x = mx_arange(0, 5, 1, MX_FLOAT64);
  mx_array *h = mx_exp(x);
  mx_array *out = mx_sum(h, MX_ALL_AXES, false);
  CHECK_OK(out);
  CHECK(!mx_array_is_evaluated(h)); /* freed after its last use ... */
  CHECK_CLOSE(mx_array_get_f64(h, (int64_t[]){2}), exp(2.0), 1e-12, 0); /* ... recomputed */
  mx_array *h2 = mx_retain(mx_exp(x));
  mx_array *out2 = mx_sum(h2, MX_ALL_AXES, false);
  CHECK_OK(out2);
  CHECK(mx_array_is_evaluated(h2)); /* held by the user: kept */
  mx_release(h2);
}

TEST(views_share_memory) {
  mx_array *x = mx_reshape(mx_arange(0, 24, 1, MX_INT32), MX_SHAPE(2, 3, 4));
  CHECK_OK(x);
  mx_array *r = mx_reshape(x, MX_SHAPE(6, 4));
  mx_array *t = mx_transpose(x, MX_AXES(2, 0, 1));
  mx_array *b = mx_broadcast_to(mx_slice_axis(x, 2, 1, 2, 1), MX_SHAPE(5, 2, 3, 1));
  CHECK_OK(r);
  CHECK_OK(t);
  CHECK_OK(b);
  CHECK(r->buf == x->buf && t->buf == x->buf && b->buf == x->buf);
  CHECK_CLOSE(mx_array_get_f64(t, (int64_t[]){3, 1, 2}), 1 * 12 + 2 * 4 + 3, 0, 0);
  CHECK_CLOSE(mx_array_get_f64(b, (int64_t[]){4, 1, 2, 0}), 1 * 12 + 2 * 4 + 1, 0, 0);
  /* reshape of a non-contiguous view copies, with the right values */
  mx_array *tr = mx_reshape(t, MX_SHAPE(4, 6));
  const int32_t *d = mx_array_data(tr);
  CHECK(d && d[0] == 0 && d[1] == 4 && d[6] == 1);
  /* negative steps */
  int64_t st[1] = {MX_END}, sp[1] = {MX_END}, k[1] = {-2};
  mx_array *rev = mx_slice(mx_arange(0, 10, 1, MX_INT64), 1, st, sp, k);
  const int64_t *rv = mx_array_data(rev);
  CHECK_INT(mx_array_size(rev), 5);
  CHECK(rv && rv[0] == 9 && rv[1] == 7 && rv[4] == 1);
}

TEST(data_is_contiguous_for_views) {
  mx_array *x = mx_reshape(mx_arange(0, 6, 1, MX_FLOAT32), MX_SHAPE(2, 3));
  const float *d = mx_array_data(mx_transpose(x, MX_ALL_AXES));
  float want[6] = {0, 3, 1, 4, 2, 5};
  for (int i = 0; d && i < 6; i++) CHECK_CLOSE(d[i], want[i], 0, 0);
  double out[6];
  CHECK(mx_array_copy_to(mx_transpose(x, MX_ALL_AXES), out, 6, MX_FLOAT64) == MX_OK);
  CHECK_CLOSE(out[1], 3, 0, 0);
  CHECK(mx_array_copy_to(x, out, 5, MX_FLOAT64) == MX_ERROR);
  mx_clear_error();
}

TEST(items_convert) {
  CHECK_INT(mx_item_i64(mx_scalar_typed(-7.9, MX_FLOAT32)), -7);
  CHECK_INT(mx_item_i64(mx_scalar_typed(300, MX_INT16)), 300);
  CHECK(mx_item_bool(mx_scalar_typed(0.5, MX_FLOAT16)));
  CHECK_CLOSE(mx_item_f32(mx_scalar_typed(1.1, MX_BFLOAT16)), 1.1015625, 0, 0);
  CHECK_CLOSE(mx_item_f64(mx_scalar_complex(2, 3)), 2, 0, 0);
  CHECK(mx_item_bool(mx_scalar_complex(0, 1)));
}

TEST(empty_and_scalar_arrays) {
  mx_array *e = mx_zeros(MX_SHAPE(0, 5), MX_FLOAT32);
  CHECK_INT(mx_array_size(mx_exp(e)), 0);
  CHECK_OK(mx_exp(e));
  CHECK(mx_array_data(e) != NULL);
  CHECK_CLOSE(mx_item_f64(mx_sum(e, MX_ALL_AXES, false)), 0, 0, 0);
  CHECK_CLOSE(mx_item_f64(mx_prod(e, MX_ALL_AXES, false)), 1, 0, 0);
  mx_array *s = mx_sum(e, MX_AXES(0), false);
  CHECK_INT(mx_array_shape(s)[0], 5);
  CHECK_OK(s);
  CHECK(isnan(mx_item_f64(mx_mean(e, MX_ALL_AXES, false))));
  mx_array *sc = mx_scalar_typed(4, MX_INT8);
  CHECK_INT(mx_array_ndim(sc), 0);
  CHECK_INT(mx_item_i64(mx_multiply(sc, sc)), 16);
}

TEST(device_queries) {
  mx_device cpu = mx_cpu_device();
  CHECK(mx_device_count(MX_CPU) == 1);
  char buf[128];
  mx_device_describe(cpu, buf, sizeof buf);
  CHECK_STR(buf, "cpu");
  CHECK(mx_synchronize(mx_device_stream(cpu)) == MX_OK);
}

/* Streams: a scope sends ops to a stream and restores the one before; scopes nest; a stream of a
 * device that does not exist is an error that changes nothing. */
TEST(stream_scopes_nest_and_restore) {
  mx_stream before = mx_default_stream();
  mx_stream cpu = mx_device_stream(mx_cpu_device());
  mx_stream_scope outer = mx_stream_scope_begin(cpu);
  CHECK(mx_device_equal(mx_default_stream().device, mx_cpu_device()));
  mx_array *y = mx_exp(mx_scalar(0)); /* built and evaluated on the CPU stream */
  CHECK_CLOSE(mx_item_f64(y), 1, 0, 0);
  mx_clear_error();
  mx_stream_scope bad = mx_stream_scope_begin((mx_stream){{MX_CUDA, 99}, 0});
  CHECK(mx_last_error() && strstr(mx_last_error(), "no such device"));
  CHECK(mx_device_equal(mx_default_stream().device, mx_cpu_device())); /* unchanged */
  mx_stream_scope_end(bad);
  mx_clear_error();
  mx_stream_scope_end(outer);
  CHECK(mx_device_equal(mx_default_stream().device, before.device));
  CHECK_INT(mx_default_stream().index, before.index);
}

TEST(out_of_memory_is_an_error_not_a_crash) {
  mx_array *huge = mx_zeros(MX_SHAPE((int64_t)1 << 41), MX_FLOAT32); /* 8 TiB */
  CHECK(mx_eval(huge) == MX_ERROR);
  CHECK(mx_last_error() && strstr(mx_last_error(), "out of memory"));
  mx_clear_error();
  /* a limit makes allocations past it fail the same way */
  mx_memory_set_limit(mx_cpu_device(), active_bytes() + (1 << 20));
  mx_array *big = mx_ones(MX_SHAPE(1 << 20), MX_FLOAT32);
  CHECK(mx_eval(big) == MX_ERROR);
  mx_memory_set_limit(mx_cpu_device(), 0);
  mx_clear_error();
  /* and the process goes on */
  CHECK_CLOSE(mx_item_f64(mx_sum(mx_ones(MX_SHAPE(1 << 20), MX_FLOAT32), MX_ALL_AXES, false)), 1 << 20, 0, 0);
}

TEST(host_cache_reuses_large_blocks) {
  mx_device cpu = mx_cpu_device();
  mx_memory_clear_cache(cpu);
  for (int i = 0; i < 3; i++) {
    mx_scope s = mx_scope_begin();
    CHECK_OK(mx_exp(mx_ones(MX_SHAPE(1 << 20), MX_FLOAT32)));
    mx_scope_end(s);
  }
  mx_memory_stats st;
  mx_memory_stats_get(cpu, &st);
  CHECK(st.cached >= (size_t)4 << 20);
  mx_memory_clear_cache(cpu);
  mx_memory_stats_get(cpu, &st);
  CHECK_INT(st.cached, 0);
}

TEST(zero_dims_do_not_hide_huge_shapes) {
  /* (0, 2^62, 4) holds no element but its strides would overflow: an error, not UB */
  CHECK_ERROR(mx_zeros(MX_SHAPE(0, (int64_t)1 << 62, 4), MX_FLOAT32), "too large");
  CHECK_ERROR(mx_array_new(NULL, MX_SHAPE(0, (int64_t)1 << 62, 4), MX_FLOAT32), "too large");
  CHECK_INT(mx_array_size(mx_zeros(MX_SHAPE(0, 1000, 4), MX_FLOAT32)), 0);
}

static int handler_calls;
static void count_handler(const char *msg, void *ctx) {
  (void)msg;
  (void)ctx;
  handler_calls++;
}

/* Code built on mx (src/nn, a user's layers) fails the way ops do, through the public API. */
TEST(public_error_helpers_fail_like_ops) {
  mx_clear_error();
  handler_calls = 0;
  mx_set_error_handler(count_handler, NULL);
  mx_array *e = mx_error_new("my_layer: width %d is odd", 7);
  CHECK_ERROR(e, "my_layer: width 7 is odd");
  CHECK_ERROR(mx_add(e, mx_scalar(1)), "my_layer: width 7 is odd"); /* propagates */
  CHECK(mx_error_report("my_loader: %s is not a model", "x.bin") == MX_ERROR);
  CHECK(mx_last_error() && strcmp(mx_last_error(), "my_loader: x.bin is not a model") == 0);
  mx_clear_error();
  mx_array *ok = mx_ones(MX_SHAPE(2, 3), MX_FLOAT32);
  CHECK(mx_check_inputs("my_op", 2, (mx_array *[]){ok, ok}) == NULL);
  CHECK_ERROR(mx_check_inputs("my_op", 2, (mx_array *[]){ok, NULL}), "my_op: input 1 is NULL");
  CHECK_ERROR(mx_check_inputs("my_op", 1, (mx_array *[]){e}), "my_layer: width 7 is odd");
  CHECK_ERROR(mx_check_inputs("my_op", 1, NULL), "my_op: the input list is NULL");
  char s[MX_SHAPE_STR_LEN];
  CHECK_STR(mx_array_shape_str(ok, s, sizeof s), "(2,3)");
  CHECK_STR(mx_array_shape_str(mx_scalar(1), s, sizeof s), "()");
  CHECK_STR(mx_array_shape_str(e, s, sizeof s), "(error)");
  mx_set_error_handler(NULL, NULL);
  CHECK_INT(handler_calls, 4); /* two new errors, two NULL-input errors; propagation adds none */
  mx_clear_error();
}

/* The CPU thread count can be changed at run time; results do not depend on it. */
TEST(thread_count_setter) {
  int before = mx_num_threads();
  CHECK(before >= 1);
  mx_array *x = mx_random_uniform(mx_random_key(3), MX_SHAPE(1000, 1000), 0, 1, MX_FLOAT32);
  double want = mx_item_f64(mx_sum(mx_astype(x, MX_FLOAT64), MX_ALL_AXES, false));
  for (int n = 1; n <= 4; n++) {
    CHECK(mx_set_num_threads(n) == MX_OK);
    CHECK_INT(mx_num_threads(), n);
    CHECK_CLOSE(mx_item_f64(mx_sum(mx_exp(mx_log(x)), MX_ALL_AXES, false)), want, 1e-5, 0);
  }
  CHECK(mx_set_num_threads(0) == MX_ERROR);
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_set_num_threads: the thread count must be in [1, 64] (got 0)"));
  mx_clear_error();
  CHECK(mx_set_num_threads(65) == MX_ERROR);
  CHECK_INT(mx_num_threads(), 4); /* unchanged */
  mx_clear_error();
  CHECK(mx_set_num_threads(before) == MX_OK);
}
