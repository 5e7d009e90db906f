/* test_grad_indexing_sort.c — transformation rules of the indexing and sort primitives: gradcheck
 * (finite differences, jvp/vjp, vmap on the data), vmap with batched index arrays against a loop,
 * the duplicate-index and tie conventions, per-example gradients and errors inside vmap. */
#include "gradcheck.h"

#define S(...) MX_SHAPE(__VA_ARGS__)
#define I64(shape, ...) mx_array_new((int64_t[]){__VA_ARGS__}, shape, MX_INT64)

/* ---- gradcheck cases (index arrays fixed inside the builds) ---- */
static mx_array *b_take_axis(mx_array *const *in) { /* negative and repeated indices */
  return mx_take(in[0], I64(S(2, 3), 0, -1, 2, 2, -5, 1), 1);
}
static mx_array *b_take_flat(mx_array *const *in) {
  return mx_take(in[0], I64(S(3, 2), 11, 0, -1, 5, 5, 3), MX_AXIS_NONE);
}
static mx_array *b_take_axis0(mx_array *const *in) {
  return mx_take(in[0], I64(S(4), 3, -4, 1, 3), 0);
}
static mx_array *b_take_along(mx_array *const *in) {
  return mx_take_along_axis(in[0], I64(S(3, 2), 0, 3, -1, -1, 2, 0), 1);
}
static mx_array *b_take_along_bcast(mx_array *const *in) { /* indices broadcast along axis 1 */
  return mx_take_along_axis(in[0], I64(S(2, 1), 2, -3), 0);
}
static mx_array *b_put_along(mx_array *const *in) {
  return mx_put_along_axis(in[0], I64(S(3, 2), 0, 3, 1, 2, -1, 0), in[1], 1);
}
static mx_array *b_scatter_along_add(mx_array *const *in) { /* repeated indices accumulate */
  return mx_scatter_along_axis(in[0], I64(S(3, 3), 0, 0, 3, 1, 1, 1, 2, -1, 2), in[1], 1,
                               MX_SCATTER_ADD);
}
#define ALONG(NAME, MODE)                                                                  \
  static mx_array *NAME(mx_array *const *in) {                                             \
    return mx_scatter_along_axis(in[0], I64(S(2, 3), 2, 0, 1, 0, -1, 1), in[1], 0, MODE); \
  }
ALONG(b_scatter_along_max, MX_SCATTER_MAX)
ALONG(b_scatter_along_min, MX_SCATTER_MIN)
ALONG(b_scatter_along_prod, MX_SCATTER_PROD)

static mx_array *gather2(mx_array *a, mx_array *i0, mx_array *i1, const int64_t *sizes) {
  return mx_gather(a, 2, (mx_array *[]){i0, i1}, (int[]){0, 2}, sizes);
}
static mx_array *b_gather(mx_array *const *in) {
  return gather2(in[0], I64(S(4), 3, 0, -1, 1), I64(S(4), 1, 2, 0, 2), (int64_t[]){1, 5, 1});
}
static mx_array *b_gather_rep(mx_array *const *in) {
  return gather2(in[0], I64(S(4), 3, 3, 0, 3), I64(S(4), 1, 1, 2, 1), (int64_t[]){1, 5, 1});
}
static mx_array *b_gather_overlap(mx_array *const *in) { /* blocks of 2 rows overlap */
  return gather2(in[0], I64(S(3), 0, 1, 2), I64(S(3), 0, 0, 2), (int64_t[]){2, 3, 1});
}
static mx_array *b_gather_bcast(mx_array *const *in) { /* index arrays broadcast to (2, 3) */
  return gather2(in[0], I64(S(2, 1), 1, -1), I64(S(3), 0, 2, 1), (int64_t[]){1, 2, 1});
}

#define SCAT(NAME, MODE, ...)                                                        \
  static mx_array *NAME(mx_array *const *in) {                                       \
    mx_array *idx = I64(S(mx_array_shape(in[1])[0]), __VA_ARGS__);                    \
    return mx_scatter(in[0], 1, &idx, (int[]){0}, in[1], MODE);                      \
  }
SCAT(b_scatter_assign, MX_SCATTER_ASSIGN, 4, 1, -3)
SCAT(b_scatter_max, MX_SCATTER_MAX, 4, 1, -3)
SCAT(b_scatter_min, MX_SCATTER_MIN, 4, 1, -3)
SCAT(b_scatter_prod, MX_SCATTER_PROD, 4, 1, -3)
SCAT(b_scatter_add, MX_SCATTER_ADD, 1, 1, 4, 1)
SCAT(b_scatter_assign_overlap, MX_SCATTER_ASSIGN, 0, 1, 3) /* 2-row blocks: rows 1 overlap */
SCAT(b_scatter_prod_rep, MX_SCATTER_PROD, 2, 0, 2)

static const int64_t su_start[2] = {1, 0}, su_stop[2] = {3, MX_END}, su_step[2] = {1, 2};
static mx_array *b_slice_update(mx_array *const *in) { /* update (2, 1) broadcast to (2, 3) */
  return mx_slice_update(in[0], in[1], 2, su_start, su_stop, su_step);
}
static mx_array *b_slice_update_neg(mx_array *const *in) { /* rows 3 and 1 */
  return mx_slice_update(in[0], in[1], 1, (int64_t[]){3}, (int64_t[]){0}, (int64_t[]){-2});
}
static mx_array *b_sort0(mx_array *const *in) { return mx_sort(in[0], 0); }
static mx_array *b_sort_last(mx_array *const *in) { return mx_sort(in[0], -1); }
static mx_array *b_sort_flat(mx_array *const *in) { return mx_sort(in[0], MX_AXIS_NONE); }
static mx_array *b_partition(mx_array *const *in) { return mx_partition(in[0], 2, 1); }
static mx_array *b_partition_neg(mx_array *const *in) { return mx_partition(in[0], -1, 0); }
static mx_array *b_topk_small(mx_array *const *in) { return mx_topk(in[0], 2, 1); }
static mx_array *b_topk_large(mx_array *const *in) { return mx_topk(in[0], 4, 0); }
static mx_array *b_by_argsort(mx_array *const *in) {
  return mx_take_along_axis(in[0], mx_argsort(in[0], 1), 1);
}
static mx_array *b_by_argpartition(mx_array *const *in) {
  return mx_take_along_axis(in[0], mx_argpartition(in[0], 1, 0), 0);
}

/* Gradients of gradients: build = grad of sum(op(x)^3) (also vmapped by the harness). */
static mx_array *cube_sum(mx_array *y) { return mx_sum(mx_multiply(mx_square(y), y), MX_ALL_AXES, false); }
static void f_cube(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in;
  (void)n_out;
  mx_array *(*op)(mx_array *const *) = *(mx_array * (**)(mx_array *const *)) ctx;
  out[0] = cube_sum(op(in));
}
static mx_array *grad_of_cube(mx_array *(*op)(mx_array *const *), mx_array *const *in, int n) {
  mx_function *f = mx_function_new(f_cube, &op, n, 1);
  mx_function *g = mx_grad_fn(f, 1, (int[]){0});
  mx_array *r;
  mx_call(g, n, (mx_array **)in, 1, &r);
  mx_function_free(g);
  mx_function_free(f);
  return r;
}
static mx_array *b_gg_take(mx_array *const *in) { return grad_of_cube(b_take_axis, in, 1); }
static mx_array *b_gg_scatter_max(mx_array *const *in) { return grad_of_cube(b_scatter_max, in, 2); }
static mx_array *b_gg_scatter_assign(mx_array *const *in) { return grad_of_cube(b_scatter_assign, in, 2); }
static mx_array *b_gg_sort(mx_array *const *in) { return grad_of_cube(b_sort_last, in, 1); }

static const grad_case cases[] = {
    {.name = "take(axis 1, negative, repeated)", .nin = 1, .shapes = {S(3, 5)}, .build = b_take_axis, .transpose_first = true},
    {.name = "take(flattened)", .nin = 1, .shapes = {S(3, 4)}, .build = b_take_flat, .transpose_first = true},
    {.name = "take(axis 0, 3-d)", .nin = 1, .shapes = {S(4, 2, 3)}, .build = b_take_axis0},
    {.name = "take_along_axis(1)", .nin = 1, .shapes = {S(3, 4)}, .build = b_take_along, .transpose_first = true},
    {.name = "take_along_axis(0, broadcast)", .nin = 1, .shapes = {S(3, 4)}, .build = b_take_along_bcast},
    {.name = "put_along_axis", .nin = 2, .shapes = {S(3, 4), S(3, 2)}, .build = b_put_along, .transpose_first = true},
    {.name = "scatter_along_axis(add, repeated)", .nin = 2, .shapes = {S(3, 4), S(3, 3)}, .build = b_scatter_along_add},
    {.name = "scatter_along_axis(max)", .nin = 2, .shapes = {S(3, 3), S(2, 3)}, .build = b_scatter_along_max},
    {.name = "scatter_along_axis(min)", .nin = 2, .shapes = {S(3, 3), S(2, 3)}, .build = b_scatter_along_min},
    {.name = "scatter_along_axis(prod)", .nin = 2, .shapes = {S(3, 3), S(2, 3)}, .build = b_scatter_along_prod},
    {.name = "gather(axes 0, 2)", .nin = 1, .shapes = {S(4, 5, 3)}, .build = b_gather, .transpose_first = true},
    {.name = "gather(repeated)", .nin = 1, .shapes = {S(4, 5, 3)}, .build = b_gather_rep},
    {.name = "gather(overlapping blocks)", .nin = 1, .shapes = {S(4, 3, 3)}, .build = b_gather_overlap},
    {.name = "gather(broadcast indices)", .nin = 1, .shapes = {S(3, 4, 3)}, .build = b_gather_bcast},
    {.name = "scatter(assign)", .nin = 2, .shapes = {S(5, 3), S(3, 1, 3)}, .build = b_scatter_assign, .transpose_first = true},
    {.name = "scatter(max)", .nin = 2, .shapes = {S(5, 3), S(3, 1, 3)}, .build = b_scatter_max},
    {.name = "scatter(min)", .nin = 2, .shapes = {S(5, 3), S(3, 1, 3)}, .build = b_scatter_min},
    {.name = "scatter(prod)", .nin = 2, .shapes = {S(5, 3), S(3, 1, 3)}, .build = b_scatter_prod},
    {.name = "scatter(prod, repeated)", .nin = 2, .shapes = {S(4, 2), S(3, 1, 2)}, .build = b_scatter_prod_rep},
    {.name = "scatter(add, repeated)", .nin = 2, .shapes = {S(5, 3), S(4, 1, 3)}, .build = b_scatter_add, .transpose_first = true},
    {.name = "scatter(assign, overlapping blocks)", .nin = 2, .shapes = {S(5, 3), S(3, 2, 2)}, .build = b_scatter_assign_overlap},
    {.name = "slice_update(broadcast update)", .nin = 2, .shapes = {S(4, 5), S(2, 1)}, .build = b_slice_update, .transpose_first = true},
    {.name = "slice_update(negative step)", .nin = 2, .shapes = {S(4, 3), S(1, 3)}, .build = b_slice_update_neg},
    {.name = "sort(0)", .nin = 1, .shapes = {S(4, 3)}, .build = b_sort0, .transpose_first = true},
    {.name = "sort(-1)", .nin = 1, .shapes = {S(2, 3, 4)}, .build = b_sort_last},
    {.name = "sort(flattened)", .nin = 1, .shapes = {S(3, 4)}, .build = b_sort_flat},
    {.name = "partition(kth 2, axis 1)", .nin = 1, .shapes = {S(3, 6)}, .build = b_partition, .transpose_first = true},
    {.name = "partition(kth -1, axis 0)", .nin = 1, .shapes = {S(5, 2)}, .build = b_partition_neg},
    {.name = "topk(2, axis 1)", .nin = 1, .shapes = {S(3, 9)}, .build = b_topk_small},
    {.name = "topk(4, axis 0)", .nin = 1, .shapes = {S(5, 3)}, .build = b_topk_large},
    {.name = "take_along_axis(argsort)", .nin = 1, .shapes = {S(3, 5)}, .build = b_by_argsort},
    {.name = "take_along_axis(argpartition)", .nin = 1, .shapes = {S(4, 3)}, .build = b_by_argpartition},
    /* a constant array: forward mode with only the updates' tangent */
    {.name = "scatter(max), constant array", .nin = 2, .shapes = {S(5, 3), S(3, 1, 3)}, .constant = {true}, .build = b_scatter_max},
    {.name = "scatter(prod), constant array", .nin = 2, .shapes = {S(5, 3), S(3, 1, 3)}, .constant = {true}, .build = b_scatter_prod},
    {.name = "scatter(assign), constant array", .nin = 2, .shapes = {S(5, 3), S(3, 1, 3)}, .constant = {true}, .build = b_scatter_assign},
    {.name = "slice_update, constant array", .nin = 2, .shapes = {S(4, 5), S(2, 1)}, .constant = {true}, .build = b_slice_update},
    {.name = "put_along_axis, constant values", .nin = 2, .shapes = {S(3, 4), S(3, 2)}, .constant = {false, true}, .build = b_put_along},
    {.name = "grad of take", .nin = 1, .shapes = {S(3, 5)}, .build = b_gg_take},
    {.name = "grad of scatter(max)", .nin = 2, .shapes = {S(5, 3), S(3, 1, 3)}, .build = b_gg_scatter_max},
    {.name = "grad of scatter(assign)", .nin = 2, .shapes = {S(5, 3), S(3, 1, 3)}, .build = b_gg_scatter_assign},
    {.name = "grad of sort", .nin = 1, .shapes = {S(2, 5)}, .build = b_gg_sort},
};

TEST(gradcheck_indexing_sort) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) gradcheck_run(&cases[i]);
}

/* ---- vmap with batched index arrays, against a loop over the examples ---- */
typedef mx_array *(*op_fn)(mx_array *const *in);
typedef struct opbox {
  op_fn f;
} opbox;

static void call_box(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)n_in;
  (void)n_out;
  out[0] = ((opbox *)ctx)->f(in);
}

enum { B = 3 };

/* For every subset of batched inputs (each on a different axis), vmap(f) against stacking f over
 * the examples ex[b][k]; unbatched inputs take example 0. */
static void vmap_all_subsets(const char *name, op_fn f, int n, mx_array *ex[B][4]) {
  opbox box = {f};
  mx_function *fn = mx_function_new(call_box, &box, n, 1);
  for (int mask = 1; mask < (1 << n); mask++) {
    mx_scope sc = mx_scope_begin();
    mx_array *in[4], *per[B][4];
    int axes[4];
    for (int k = 0; k < n; k++) {
      int nd = mx_array_ndim(ex[0][k]);
      bool batched = mask & (1 << k);
      axes[k] = batched ? (mask + k) % (nd + 1) : MX_UNBATCHED;
      mx_array *list[B];
      for (int b = 0; b < B; b++) list[b] = per[b][k] = batched ? ex[b][k] : ex[0][k];
      in[k] = batched ? mx_stack(B, list, axes[k]) : ex[0][k];
    }
    mx_function *vf = mx_vmap_fn(fn, axes, NULL);
    mx_array *got, *res[B];
    char label[160];
    snprintf(label, sizeof label, "%s: vmap (batched mask %d) vs loop", name, mask);
    if (mx_call(vf, n, in, 1, &got) != MX_OK) {
      FAIL("%s: %s", label, mx_array_error(got));
      mx_clear_error();
    } else {
      for (int b = 0; b < B; b++) res[b] = f(per[b]);
      ref_array *want = ref_from(mx_stack(B, res, 0));
      if (want) ref_check(got, want, 1, label);
      ref_free(want);
    }
    mx_function_free(vf);
    mx_scope_end(sc);
  }
  mx_function_free(fn);
}

static mx_array *randn(mx_shape s, uint64_t seed) {
  ref_array *r = ref_new_shape(s, MX_FLOAT64);
  ref_fill(r, DOM_FINITE, seed);
  mx_array *a = ref_to_mx(r);
  ref_free(r);
  return a;
}

/* Examples: float data of the given shapes for inputs marked 'f', per-example index arrays
 * (rows of idx, each of shape ishape) for inputs marked 'i'. */
static void make_examples(mx_array *ex[B][4], const char *kinds, const mx_shape *shapes,
                          const int64_t *const *idx) {
  for (int k = 0, j = 0; kinds[k]; k++) {
    int64_t sz = 1;
    for (int d = 0; d < shapes[k].ndim; d++) sz *= shapes[k].dims[d];
    for (int b = 0; b < B; b++)
      ex[b][k] = kinds[k] == 'f' ? randn(shapes[k], 1000 + (uint64_t)(10 * k + b))
                                 : mx_array_new(idx[j] + b * sz, shapes[k], MX_INT64);
    if (kinds[k] == 'i') j++;
  }
}

static mx_array *v_take(mx_array *const *in) { return mx_take(in[0], in[1], 1); }
static mx_array *v_take_flat(mx_array *const *in) { return mx_take(in[0], in[1], MX_AXIS_NONE); }
static mx_array *v_take_along(mx_array *const *in) { return mx_take_along_axis(in[0], in[1], 0); }
static mx_array *v_put_along(mx_array *const *in) { return mx_put_along_axis(in[0], in[1], in[2], 1); }
static mx_array *v_scatter_along_add(mx_array *const *in) {
  return mx_scatter_along_axis(in[0], in[1], in[2], 1, MX_SCATTER_ADD);
}
static mx_array *v_gather(mx_array *const *in) {
  return mx_gather(in[0], 2, (mx_array *[]){in[1], in[2]}, (int[]){0, 2}, (int64_t[]){1, 5, 1});
}
static mx_scatter_mode v_mode;
static mx_array *v_scatter(mx_array *const *in) { /* indices on axes 1 then 0 */
  return mx_scatter(in[0], 2, (mx_array *[]){in[2], in[3]}, (int[]){1, 0}, in[1], v_mode);
}
static mx_array *v_slice_update(mx_array *const *in) {
  return mx_slice_update(in[0], in[1], 2, su_start, su_stop, su_step);
}

TEST(vmap_batched_indices) {
  mx_array *ex[B][4];
  /* take along axis 1 of (3, 5) with (2, 2) indices */
  make_examples(ex, "fi", (mx_shape[]){S(3, 5), S(2, 2)},
                (const int64_t *[]){(int64_t[]){0, -1, 2, 2, 4, 4, 1, 3, -5, 3, 3, 0}});
  vmap_all_subsets("take(axis 1)", v_take, 2, ex);
  make_examples(ex, "fi", (mx_shape[]){S(3, 4), S(4)},
                (const int64_t *[]){(int64_t[]){11, 0, -1, 5, 2, 2, 7, -12, 3, 9, 9, 9}});
  vmap_all_subsets("take(flattened)", v_take_flat, 2, ex);
  make_examples(ex, "fi", (mx_shape[]){S(3, 4), S(2, 4)},
                (const int64_t *[]){(int64_t[]){0, 1, 2, -1, 2, 2, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0,
                                                2, -3, 1, 0, 0, 1, 2, 2}});
  vmap_all_subsets("take_along_axis(0)", v_take_along, 2, ex);
  make_examples(ex, "fif", (mx_shape[]){S(3, 4), S(3, 2), S(3, 2)},
                (const int64_t *[]){(int64_t[]){0, 3, 1, 2, -1, 0, 1, 1, 2, 2, 0, 0,
                                                3, 3, -4, 2, 1, 3}});
  vmap_all_subsets("put_along_axis(1, repeated)", v_put_along, 3, ex);
  vmap_all_subsets("scatter_along_axis(add, 1)", v_scatter_along_add, 3, ex);
  make_examples(ex, "fii", (mx_shape[]){S(4, 5, 3), S(4), S(4)},
                (const int64_t *[]){(int64_t[]){3, 0, -1, 1, 2, 2, 2, 0, 1, 3, 0, -4},
                                    (int64_t[]){1, 2, 0, 2, 0, 0, 1, 1, 2, -1, 0, 1}});
  vmap_all_subsets("gather(axes 0, 2)", v_gather, 3, ex);
  /* scatter into (4, 5, 2): index 0 on axis 1, index 1 on axis 0, blocks (1, 1, 2) */
  const int64_t *sidx[2] = {(int64_t[]){4, 1, 0, 2, 2, -1, 3, 0, 1},
                            (int64_t[]){0, 3, 2, 1, 1, 1, -1, 2, 0}};
  make_examples(ex, "ffii", (mx_shape[]){S(4, 5, 2), S(3, 1, 1, 2), S(3), S(3)}, sidx);
  static const char *names[] = {"scatter(assign)", "scatter(add)", "scatter(max)",
                                "scatter(min)", "scatter(prod)"};
  for (int m = MX_SCATTER_ASSIGN; m <= MX_SCATTER_PROD; m++) {
    v_mode = (mx_scatter_mode)m;
    vmap_all_subsets(names[m], v_scatter, 4, ex);
  }
  make_examples(ex, "ff", (mx_shape[]){S(4, 5), S(2, 1)}, NULL);
  vmap_all_subsets("slice_update", v_slice_update, 2, ex);
}

static mx_array *v_argsort(mx_array *const *in) { return mx_argsort(in[0], 1); }
static mx_array *v_argpartition(mx_array *const *in) { return mx_argpartition(in[0], 2, -1); }
static mx_array *v_partition(mx_array *const *in) { return mx_partition(in[0], 0, 0); }
static mx_array *v_sort_flat(mx_array *const *in) { return mx_sort(in[0], MX_AXIS_NONE); }
static mx_array *v_topk(mx_array *const *in) { return mx_topk(in[0], 2, 1); }
static mx_array *v_argtopk(mx_array *const *in) { return mx_argtopk(in[0], 5, 1); }

TEST(vmap_sort_family) { /* every batch axis; distinct random data per example */
  static const struct { const char *name; op_fn f; } ops[] = {
      {"argsort", v_argsort}, {"argpartition", v_argpartition}, {"partition", v_partition},
      {"sort(flattened)", v_sort_flat}, {"topk", v_topk}, {"argtopk", v_argtopk}};
  mx_array *ex[B][4];
  make_examples(ex, "f", (mx_shape[]){S(3, 6)}, NULL);
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    for (int ax = 0; ax < 3; ax++) {
      mx_array *in = mx_stack(B, (mx_array *[]){ex[0][0], ex[1][0], ex[2][0]}, ax);
      opbox box = {ops[i].f};
      mx_function *fn = mx_function_new(call_box, &box, 1, 1);
      mx_function *vf = mx_vmap_fn(fn, &ax, NULL);
      mx_array *got, *res[B];
      char label[96];
      snprintf(label, sizeof label, "%s: vmap(in_axes=%d) vs loop", ops[i].name, ax);
      if (!CHECK(mx_call(vf, 1, &in, 1, &got) == MX_OK)) {
        FAIL("%s: %s", label, mx_array_error(got));
        mx_clear_error();
      } else {
        for (int b = 0; b < B; b++) res[b] = ops[i].f(&ex[b][0]);
        ref_array *want = ref_from(mx_stack(B, res, 0));
        if (want) ref_check(got, want, 1, label);
        ref_free(want);
      }
      mx_function_free(vf);
      mx_function_free(fn);
    }
}

/* ---- conventions, hand-checked ---- */
static mx_array *vec(const double *v, int n) { return mx_array_new(v, S(n), MX_FLOAT64); }

static void check_vec(mx_array *a, const double *want, int n) {
  const double *d = mx_array_data(mx_astype(a, MX_FLOAT64));
  if (!CHECK(d != NULL && mx_array_size(a) == n)) return;
  for (int i = 0; i < n; i++) CHECK_CLOSE(d[i], want[i], 1e-12, 1e-12);
}

static mx_array *h_idx; /* the index array of the hand-checked functions */
static mx_scatter_mode h_mode;
static const double h_w[5] = {1, 10, 100, 1000, 10000}; /* the cotangent: weights per position */

/* sum(w * scatter(a, idx, u, mode)) over a 1-d a, blocks of one element */
static void f_scatter1(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  int64_t m = mx_array_size(in[1]);
  mx_array *u = mx_reshape(in[1], S(m, 1));
  mx_array *r = mx_scatter(in[0], 1, &h_idx, (int[]){0}, u, h_mode);
  out[0] = mx_sum(mx_multiply(r, vec(h_w, (int)mx_array_size(in[0]))), MX_ALL_AXES, false);
}

/* grads of f_scatter1 with respect to a and u */
static void scatter_grads(mx_scatter_mode mode, const double *a, int na, const double *u,
                          const int64_t *idx, int nu, mx_array **g) {
  h_mode = mode;
  h_idx = mx_array_new(idx, S(nu), MX_INT64);
  mx_function *f = mx_function_new(f_scatter1, NULL, 2, 1);
  mx_function *gf = mx_grad_fn(f, 2, (int[]){0, 1});
  CHECK(mx_call(gf, 2, (mx_array *[]){vec(a, na), vec(u, nu)}, 2, g) == MX_OK);
  mx_function_free(gf);
  mx_function_free(f);
}

TEST(scatter_conventions) {
  mx_array *g[2];
  /* assign, repeated index 1: the last write (update 1) wins; update 0 gets nothing */
  scatter_grads(MX_SCATTER_ASSIGN, (double[]){1, 2, 3, 4}, 4, (double[]){5, 6, 7},
                (int64_t[]){1, 1, 3}, 3, g);
  check_vec(g[0], (double[]){1, 0, 100, 0}, 4);
  check_vec(g[1], (double[]){0, 10, 1000}, 3);
  /* add, repeated: everyone gets the cotangent of where it landed */
  scatter_grads(MX_SCATTER_ADD, (double[]){1, 2, 3, 4}, 4, (double[]){5, 6, 7},
                (int64_t[]){1, 1, -1}, 3, g);
  check_vec(g[0], (double[]){1, 10, 100, 1000}, 4);
  check_vec(g[1], (double[]){10, 10, 1000}, 3);
  /* max: a 3-way tie at position 1 (a[1] and updates 0, 2) splits in thirds; update 1 loses */
  scatter_grads(MX_SCATTER_MAX, (double[]){1, 5, 3}, 3, (double[]){5, 4, 5, 9},
                (int64_t[]){1, 1, 1, 2}, 4, g);
  check_vec(g[0], (double[]){1, 10.0 / 3, 0}, 3);
  check_vec(g[1], (double[]){10.0 / 3, 0, 10.0 / 3, 100}, 4);
  /* min: the array's own element wins at 0, an update at 2 */
  scatter_grads(MX_SCATTER_MIN, (double[]){1, 5, 3}, 3, (double[]){2, 0},
                (int64_t[]){0, 2}, 2, g);
  check_vec(g[0], (double[]){1, 10, 0}, 3);
  check_vec(g[1], (double[]){0, 100}, 2);
  /* prod with zeros: position 0 = 2 * 0 * 5 (one zero), position 1 = 0 * 3 * 0 (two zeros),
   * position 2 = 4 * 0.5 (none) */
  scatter_grads(MX_SCATTER_PROD, (double[]){2, 0, 4}, 3, (double[]){0, 5, 3, 0, 0.5},
                (int64_t[]){0, 0, 1, 1, 2}, 5, g);
  check_vec(g[0], (double[]){0, 0, 50}, 3);             /* d/da0 = 0*5; d/da1 = 3*0; 0.5 */
  check_vec(g[1], (double[]){10, 0, 0, 0, 400}, 5);     /* d/du0 = 2*5; others have a zero */
}

TEST(float32_gradients_keep_dtype) { /* weights and masks are built in the data's dtype */
  double a[4] = {1, 0, 3, 4}, u[3] = {5, 0.5, 3};
  int64_t idx[3] = {1, 3, 1};
  h_idx = mx_array_new(idx, S(3), MX_INT64);
  for (int m = MX_SCATTER_ASSIGN; m <= MX_SCATTER_PROD; m++) {
    h_mode = (mx_scatter_mode)m;
    mx_function *f = mx_function_new(f_scatter1, NULL, 2, 1);
    mx_function *gf = mx_grad_fn(f, 2, (int[]){0, 1});
    mx_array *g64[2], *g32[2];
    CHECK(mx_call(gf, 2, (mx_array *[]){vec(a, 4), vec(u, 3)}, 2, g64) == MX_OK);
    mx_array *in32[2] = {mx_astype(vec(a, 4), MX_FLOAT32), mx_astype(vec(u, 3), MX_FLOAT32)};
    CHECK(mx_call(gf, 2, in32, 2, g32) == MX_OK);
    for (int k = 0; k < 2; k++) {
      CHECK(mx_array_dtype(g32[k]) == MX_FLOAT32);
      const double *want = mx_array_data(g64[k]);
      const double *got = mx_array_data(mx_astype(g32[k], MX_FLOAT64));
      if (!CHECK(want && got)) continue;
      for (int64_t i = 0; i < mx_array_size(g64[k]); i++) CHECK_CLOSE(got[i], want[i], 1e-6, 1e-6);
    }
    mx_function_free(gf);
    mx_function_free(f);
  }
}

static void f_sort_w(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_multiply(mx_sort(in[0], 0), vec(h_w, 5)), MX_ALL_AXES, false);
}
static void f_put_w(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  mx_array *r = mx_put_along_axis(in[0], I64(S(3), 2, 0, 2), in[1], 0);
  out[0] = mx_sum(mx_multiply(r, vec(h_w, 3)), MX_ALL_AXES, false);
}

TEST(sort_ties_and_put_repeats) {
  /* stable sort: equal values keep their order, so each takes the cotangent of its sorted place
   * (sorted: 1 (x1), 2 (x0), 2 (x3), 2 (x4), 7 (x2)) */
  mx_function *f = mx_function_new(f_sort_w, NULL, 1, 1);
  mx_function *g = mx_grad_fn(f, 0, NULL);
  mx_array *x = vec((double[]){2, 1, 7, 2, 2}, 5), *gx;
  CHECK(mx_call(g, 1, &x, 1, &gx) == MX_OK);
  check_vec(gx, (double[]){10, 1, 10000, 100, 1000}, 5);
  mx_function_free(g);
  mx_function_free(f);
  /* put_along_axis with index 2 twice: the last value wins */
  f = mx_function_new(f_put_w, NULL, 2, 1);
  g = mx_grad_fn(f, 2, (int[]){0, 1});
  mx_array *gr[2];
  CHECK(mx_call(g, 2, (mx_array *[]){vec((double[]){1, 2, 3}, 3), vec((double[]){4, 5, 6}, 3)}, 2, gr) == MX_OK);
  check_vec(gr[0], (double[]){0, 10, 0}, 3);
  check_vec(gr[1], (double[]){0, 1, 100}, 3);
  mx_function_free(g);
  mx_function_free(f);
}

/* ---- vmap of grad: per-example gradients through take ---- */
/* loss(w, x, idx) = sum(take(w, idx, 0) * x): the gradient is x's rows added at idx */
static void f_take_loss(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  out[0] = mx_sum(mx_multiply(mx_take(in[0], in[2], 0), in[1]), MX_ALL_AXES, false);
}

TEST(vmap_of_grad_per_example) {
  mx_function *f = mx_function_new(f_take_loss, NULL, 3, 1);
  mx_function *g = mx_grad_fn(f, 1, (int[]){0});
  int64_t iv[B][4] = {{0, 4, 4, -1}, {2, 2, 2, 2}, {3, 1, 0, -2}};
  mx_array *w = randn(S(5, 3), 1), *x = randn(S(B, 4, 3), 2);
  mx_array *idx = mx_array_new(iv, S(B, 4), MX_INT64);
  for (int wb = 0; wb < 2; wb++) { /* w shared, then w batched too (on its axis 1) */
    mx_array *wi = wb ? mx_stack(B, (mx_array *[]){w, w, w}, 1) : w;
    mx_function *vg = mx_vmap_fn(g, (int[]){wb ? 1 : MX_UNBATCHED, 0, 0}, NULL);
    mx_array *pg;
    if (!CHECK(mx_call(vg, 3, (mx_array *[]){wi, x, idx}, 1, &pg) == MX_OK)) {
      FAIL("%s", mx_array_error(pg));
      mx_clear_error();
      mx_function_free(vg);
      continue;
    }
    double want[B][5][3] = {{{0}}}, xv[B][4][3];
    mx_array_copy_to(x, xv, B * 12, MX_FLOAT64);
    for (int b = 0; b < B; b++)
      for (int i = 0; i < 4; i++)
        for (int c = 0; c < 3; c++) want[b][(iv[b][i] + 5) % 5][c] += xv[b][i][c];
    CHECK_INT(mx_array_ndim(pg), 3);
    check_vec(mx_reshape(pg, S(B * 15)), &want[0][0][0], B * 15);
    mx_function_free(vg);
  }
  mx_function_free(g);
  mx_function_free(f);
}

/* ---- errors inside vmap name the op, the bad index and the user's axis ---- */
static void expect_error(mx_function *vf, int n, mx_array **in, const char *const *parts) {
  mx_array *r;
  mx_status st = mx_call(vf, n, in, 1, &r);
  if (st == MX_OK) st = mx_eval(r);
  CHECK(st != MX_OK);
  const char *msg = mx_last_error();
  if (!CHECK(msg != NULL)) return;
  for (int i = 0; parts[i]; i++)
    if (!strstr(msg, parts[i])) FAIL("error \"%s\" does not mention \"%s\"", msg, parts[i]);
  mx_clear_error();
}

TEST(errors_inside_vmap) {
  mx_array *a = randn(S(B, 3, 5), 3);
  opbox take = {v_take}, along = {v_take_along}, gath = {v_gather};
  mx_function *ft = mx_function_new(call_box, &take, 2, 1);
  /* batched indices, one example out of range */
  mx_array *bad = mx_array_new((int64_t[]){0, 1, 2, 3, 4, 0, 1, 7}, S(B - 1, 4), MX_INT64);
  mx_array *idx = mx_concatenate(2, (mx_array *[]){bad, I64(S(1, 4), 0, 0, 0, 0)}, 0);
  mx_function *vf = mx_vmap_fn(ft, (int[]){0, 0}, NULL);
  expect_error(vf, 2, (mx_array *[]){a, idx}, (const char *[]){"index 7", "size 5", "take", NULL});
  mx_function_free(vf);
  vf = mx_vmap_fn(ft, (int[]){0, MX_UNBATCHED}, NULL); /* batched data, shared indices */
  expect_error(vf, 2, (mx_array *[]){a, I64(S(2), 1, -6)},
               (const char *[]){"index -6", "size 5", "take", NULL});
  mx_function_free(vf);
  mx_function_free(ft);
  /* take_along_axis(axis 0) of examples (3, 5): the message keeps the user's axis 0 */
  mx_function *fa = mx_function_new(call_box, &along, 2, 1);
  vf = mx_vmap_fn(fa, (int[]){0, MX_UNBATCHED}, NULL);
  expect_error(vf, 2, (mx_array *[]){a, I64(S(1, 5), 0, 1, 3, 0, 0)},
               (const char *[]){"index 3", "axis 0 of size 3", "take_along_axis", NULL});
  mx_function_free(vf);
  mx_function_free(fa);
  /* gather with batched data and indices: index array 1 on axis 2 of size 3 */
  mx_function *fg = mx_function_new(call_box, &gath, 3, 1);
  vf = mx_vmap_fn(fg, (int[]){1, 0, 0}, NULL);
  mx_array *data = randn(S(4, B, 5, 3), 4);
  expect_error(vf, 3, (mx_array *[]){data, mx_zeros(S(B, 2), MX_INT64), mx_full(S(B, 2), 3, MX_INT64)},
               (const char *[]){"index 3", "index array 1", "axis 2 of size 3", NULL});
  mx_function_free(vf);
  mx_function_free(fg);
}

/* ---- empty batches and nested vmap ---- */
static void f_mix(void *ctx, int n_in, mx_array **in, int n_out, mx_array **out) {
  (void)ctx; (void)n_in; (void)n_out;
  mx_array *a = in[0], *idx = in[1]; /* a (3, 5), idx (2) */
  mx_array *u = mx_reshape(mx_take(a, idx, 0), S(2, 1, 5));
  mx_array *s = mx_sum(mx_scatter(a, 1, &idx, (int[]){0}, u, MX_SCATTER_MAX), MX_ALL_AXES, false);
  mx_array *t = mx_take_along_axis(mx_sort(a, 1), mx_reshape(idx, S(1, 2)), 1);
  out[0] = mx_add(mx_add(mx_take(a, idx, 1), s), t);
}

TEST(vmap_empty_batch) {
  mx_function *f = mx_function_new(f_mix, NULL, 2, 1);
  mx_array *a = mx_zeros(S(0, 3, 5), MX_FLOAT64), *idx = mx_zeros(S(0, 2), MX_INT64);
  for (int k = 0; k < 2; k++) { /* indices batched, then shared */
    mx_function *v = mx_vmap_fn(f, (int[]){0, k ? MX_UNBATCHED : 0}, NULL);
    mx_array *r;
    CHECK(mx_call(v, 2, (mx_array *[]){a, k ? I64(S(2), 0, 1) : idx}, 1, &r) == MX_OK);
    CHECK_OK(r);
    CHECK_INT(mx_array_ndim(r), 3);
    CHECK_INT(mx_array_size(r), 0);
    mx_function_free(v);
  }
  mx_function_free(f);
}

TEST(nested_vmap_take) { /* data batched by the outer map, indices by both */
  opbox take = {v_take};
  mx_function *f = mx_function_new(call_box, &take, 2, 1);
  mx_function *inner = mx_vmap_fn(f, (int[]){MX_UNBATCHED, 0}, NULL);
  mx_function *outer = mx_vmap_fn(inner, (int[]){0, 1}, NULL);
  mx_array *a = randn(S(B, 3, 5), 5), *r;
  int64_t iv[2][B][2] = {{{0, 4}, {1, -1}, {2, 2}}, {{3, 3}, {-5, 0}, {4, 1}}}; /* [inner][outer] */
  mx_array *idx = mx_array_new(iv, S(2, B, 2), MX_INT64);
  if (!CHECK(mx_call(outer, 2, (mx_array *[]){a, idx}, 1, &r) == MX_OK)) {
    mx_clear_error();
  } else {
    mx_array *rows[B * 2];
    for (int o = 0; o < B; o++)
      for (int i = 0; i < 2; i++)
        rows[o * 2 + i] = mx_take(mx_squeeze(mx_slice_axis(a, 0, o, o + 1, 1), MX_AXES(0)),
                                  mx_array_new(iv[i][o], S(2), MX_INT64), 1);
    ref_array *want = ref_from(mx_reshape(mx_stack(B * 2, rows, 0), S(B, 2, 3, 2)));
    if (want) ref_check(r, want, 1, "nested vmap of take");
    ref_free(want);
  }
  mx_function_free(outer);
  mx_function_free(inner);
  mx_function_free(f);
}
