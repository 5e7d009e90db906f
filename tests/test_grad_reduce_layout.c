/* test_grad_reduce_layout.c — gradient, forward-mode and batching checks for reductions, scans,
 * shape ops and views (tests/lib/gradcheck.h). */
#include "gradcheck.h"

#define S(...) MX_SHAPE(__VA_ARGS__)
static mx_array *b_sum(mx_array *const *in) { return mx_sum(in[0], MX_AXES(0, 2), false); }
static mx_array *b_sum_all(mx_array *const *in) { return mx_sum(in[0], MX_ALL_AXES, true); }
static mx_array *b_mean(mx_array *const *in) { return mx_mean(in[0], MX_AXES(-1), true); }
static mx_array *b_var(mx_array *const *in) { return mx_var(in[0], MX_AXES(1), false, 1); }
static mx_array *b_std(mx_array *const *in) { return mx_std(in[0], MX_ALL_AXES, false, 0); }
static mx_array *b_prod(mx_array *const *in) { return mx_prod(in[0], MX_AXES(1), false); }
static mx_array *b_prod_zero(mx_array *const *in) { /* a zero in the product */
  return mx_prod(mx_multiply(in[0], mx_array_new((double[]){1, 0, 1, 1}, MX_SHAPE(4), MX_FLOAT64)), MX_ALL_AXES, false);
}
static mx_array *b_max(mx_array *const *in) { return mx_max(in[0], MX_AXES(0), false); }
static mx_array *b_min(mx_array *const *in) { return mx_min(in[0], MX_ALL_AXES, false); }
static mx_array *b_max_ties(mx_array *const *in) { /* ties split the gradient evenly */
  return mx_max(mx_concatenate(2, (mx_array *[]){in[0], in[0]}, 0), MX_AXES(0), false);
}
static mx_array *b_lse(mx_array *const *in) { return mx_logsumexp(in[0], MX_AXES(-1), false); }
static mx_array *b_reshape(mx_array *const *in) { return mx_reshape(in[0], S(4, 3, 2)); }
static mx_array *b_transpose(mx_array *const *in) { return mx_transpose(in[0], MX_AXES(2, 0, 1)); }
static mx_array *b_broadcast(mx_array *const *in) { return mx_broadcast_to(in[0], S(2, 3, 4)); }
static mx_array *b_slice(mx_array *const *in) {
  int64_t st[2] = {1, MX_END}, sp[2] = {MX_END, MX_END}, k[2] = {2, -2};
  return mx_slice(in[0], 2, st, sp, k);
}
static mx_array *b_diag(mx_array *const *in) { return mx_diagonal(in[0], -1, 0, 2); }
static mx_array *b_flip(mx_array *const *in) { return mx_flip(in[0], MX_AXES(1)); }
static mx_array *b_expand(mx_array *const *in) { return mx_squeeze(mx_expand_dims(in[0], MX_AXES(0, 3)), MX_AXES(0)); }
static mx_array *b_moveaxis(mx_array *const *in) { return mx_moveaxis(in[0], 0, -1); }
static mx_array *b_contig(mx_array *const *in) { return mx_contiguous(mx_transpose(in[0], MX_ALL_AXES)); }
static mx_array *b_full(mx_array *const *in) { return mx_full_array(S(3, 4), in[0]); }
static mx_array *b_tril(mx_array *const *in) { return mx_tril(in[0], 0); }

static const grad_case cases[] = {
    {.name = "sum(axes 0, 2)", .nin = 1, .shapes = {S(3, 4, 2)}, .build = b_sum},
    {.name = "sum(all, keepdims)", .nin = 1, .shapes = {S(3, 4)}, .build = b_sum_all, .transpose_first = true},
    {.name = "mean(-1)", .nin = 1, .shapes = {S(3, 4)}, .build = b_mean, .transpose_first = true},
    {.name = "var(1, ddof 1)", .nin = 1, .shapes = {S(3, 4)}, .build = b_var},
    {.name = "std", .nin = 1, .shapes = {S(2, 5)}, .build = b_std},
    {.name = "prod(1)", .nin = 1, .shapes = {S(3, 4)}, .build = b_prod, .transpose_first = true},
    {.name = "prod with a zero", .nin = 1, .shapes = {S(4)}, .build = b_prod_zero},
    {.name = "max(0)", .nin = 1, .shapes = {S(4, 3)}, .dom = {DOM_PERM}, .build = b_max},
    {.name = "min(all)", .nin = 1, .shapes = {S(4, 3)}, .dom = {DOM_PERM}, .build = b_min},
    {.name = "max with ties", .nin = 1, .shapes = {S(1, 3)}, .build = b_max_ties},
    {.name = "logsumexp(-1)", .nin = 1, .shapes = {S(3, 4)}, .build = b_lse},
    {.name = "reshape", .nin = 1, .shapes = {S(2, 3, 4)}, .build = b_reshape},
    {.name = "transpose", .nin = 1, .shapes = {S(2, 3, 4)}, .build = b_transpose},
    {.name = "broadcast_to", .nin = 1, .shapes = {S(3, 1)}, .build = b_broadcast},
    {.name = "slice", .nin = 1, .shapes = {S(5, 6)}, .build = b_slice, .transpose_first = true},
    {.name = "diagonal", .nin = 1, .shapes = {S(4, 2, 3)}, .build = b_diag},
    {.name = "flip", .nin = 1, .shapes = {S(3, 4)}, .build = b_flip},
    {.name = "expand/squeeze", .nin = 1, .shapes = {S(3, 4)}, .build = b_expand},
    {.name = "moveaxis", .nin = 1, .shapes = {S(2, 3, 4)}, .build = b_moveaxis},
    {.name = "contiguous", .nin = 1, .shapes = {S(3, 4)}, .build = b_contig},
    {.name = "full_array", .nin = 1, .shapes = {S(4)}, .build = b_full},
    {.name = "tril", .nin = 1, .shapes = {S(2, 3, 3)}, .build = b_tril},
};

TEST(grad_reduce_layout) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) gradcheck_run(&cases[i]);
}
