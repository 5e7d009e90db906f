/* test_sweep_sort.c — the op sweep for sorting: sort, argsort, partition, argpartition, topk and
 * argtopk along several axes, every dtype and shape family, against a stable float64 reference
 * order (NaN last, -0.0 == 0.0, complex lexicographic). Partitions are checked through what
 * every valid partition shares: the sorted multiset and the value at kth (their ordering
 * property is checked in test_sort_cases.c). */
#include "sort_ref.h"

#define F_ND1 (SH_EMPTY | SH_VECTOR | SH_MATRIX | SH_3D | SH_TRANSPOSED | SH_STRIDED | SH_LARGE)
#define F_ANY (F_ND1 | SH_SCALAR)

static mx_dtype to_i64(mx_dtype d) {
  (void)d;
  return MX_INT64;
}

static int64_t axis_len(mx_array *a, int axis) {
  return axis == MX_AXIS_NONE ? mx_array_size(a) : mx_array_dim(a, axis);
}

/* The reference's view of a and axis: flattened for MX_AXIS_NONE (free with ref_free). */
static ref_array *ref_axis(const ref_array *a, int axis, int *ax) {
  if (axis == MX_AXIS_NONE) {
    *ax = 0;
    return ref_flat_view(a);
  }
  *ax = axis < 0 ? axis + a->ndim : axis;
  return ref_copy(a);
}

/* sorted values (arg: positions) along axis */
static ref_array *sorted_ref(const ref_array *a0, int axis, bool arg, bool desc, int64_t k) {
  int ax;
  ref_array *a = ref_axis(a0, axis, &ax);
  ref_array *p = ref_argsort(a, ax, desc);
  if (k >= 0) {
    ref_array *h = ref_head(p, ax, k);
    ref_free(p);
    p = h;
  }
  if (arg) {
    ref_free(a);
    return p;
  }
  ref_array *v = ref_take_along(a, p, ax);
  ref_free(a);
  ref_free(p);
  return v;
}

/* element kth of the sorted values along axis, the axis removed */
static ref_array *kth_ref(const ref_array *a0, int axis, int64_t kth) {
  int ax;
  ref_array *a = ref_axis(a0, axis, &ax);
  ref_array *v = sorted_ref(a, ax, false, false, -1);
  int64_t n = a->shape[ax], k = kth < 0 ? kth + n : kth;
  int64_t shape[MX_MAX_DIMS];
  int nd = 0;
  for (int i = 0; i < a->ndim; i++)
    if (i != ax) shape[nd++] = a->shape[i];
  ref_array *out = ref_like(nd, shape, v);
  int64_t mi[MX_MAX_DIMS], vi[MX_MAX_DIMS];
  for (int64_t f = 0; f < out->size; f++) {
    ref_unflat(out, f, mi);
    for (int i = 0, j = 0; i < a->ndim; i++) vi[i] = i == ax ? k : mi[j++];
    ref_set(out, f, v, ref_flat(v, vi));
  }
  ref_free(a);
  ref_free(v);
  return out;
}

#define SORT_ENTRY(NAME, EXPR, REF)                                                         \
  static mx_array *b_##NAME(mx_array *const *in) {                                          \
    mx_array *a = in[0];                                                                    \
    (void)a;                                                                                \
    return EXPR;                                                                            \
  }                                                                                         \
  static ref_array *r_##NAME(ref_array *const *in, mx_dtype odt) {                          \
    const ref_array *a = in[0];                                                             \
    (void)odt;                                                                              \
    return REF;                                                                             \
  }

SORT_ENTRY(sort_last, mx_sort(a, -1), sorted_ref(a, -1, false, false, -1))
SORT_ENTRY(sort_ax0, mx_sort(a, 0), sorted_ref(a, 0, false, false, -1))
SORT_ENTRY(sort_none, mx_sort(a, MX_AXIS_NONE), sorted_ref(a, MX_AXIS_NONE, false, false, -1))
SORT_ENTRY(argsort_last, mx_argsort(a, -1), sorted_ref(a, -1, true, false, -1))
SORT_ENTRY(argsort_ax0, mx_argsort(a, 0), sorted_ref(a, 0, true, false, -1))
SORT_ENTRY(argsort_none, mx_argsort(a, MX_AXIS_NONE), sorted_ref(a, MX_AXIS_NONE, true, false, -1))

/* partitions: sorting one gives the sorted input; element kth is the sorted one */
#define KTH(a, axis) (axis_len(a, axis) / 2)
SORT_ENTRY(partition_sorted_last, mx_sort(mx_partition(a, KTH(a, -1), -1), -1),
           sorted_ref(a, -1, false, false, -1))
SORT_ENTRY(partition_kth_ax0, mx_take(mx_partition(a, -1, 0), mx_scalar_int(-1), 0), kth_ref(a, 0, -1))
SORT_ENTRY(partition_kth_last,
           mx_take(mx_partition(a, KTH(a, -1), -1), mx_scalar_int(KTH(a, -1)), -1),
           kth_ref(a, -1, a->shape[a->ndim - 1] / 2))
SORT_ENTRY(argpartition_sorted_last,
           mx_sort(mx_take_along_axis(a, mx_argpartition(a, 1, -1), -1), -1),
           sorted_ref(a, -1, false, false, -1))
SORT_ENTRY(argpartition_kth_none,
           mx_take(mx_take_along_axis(a, mx_argpartition(a, KTH(a, MX_AXIS_NONE), MX_AXIS_NONE), MX_AXIS_NONE),
                   mx_scalar_int(KTH(a, MX_AXIS_NONE)), 0),
           kth_ref(a, MX_AXIS_NONE, a->size / 2))

/* top-k: descending, ties (and NaN, the largest) by lower position */
static int64_t kmin(int64_t k, int64_t n) { return k < n ? k : n; }
static int64_t k8(int64_t n) { return n == 0 ? 0 : (n / 8 > 1 ? n / 8 : 1); }
#define LEN(axis) (axis == MX_AXIS_NONE ? a->size : a->shape[axis < 0 ? axis + a->ndim : axis])
SORT_ENTRY(topk_last, mx_topk(a, kmin(3, axis_len(a, -1)), -1), sorted_ref(a, -1, false, true, kmin(3, LEN(-1))))
SORT_ENTRY(topk_ax0, mx_topk(a, kmin(2, axis_len(a, 0)), 0), sorted_ref(a, 0, false, true, kmin(2, LEN(0))))
SORT_ENTRY(topk_none, mx_topk(a, kmin(5, axis_len(a, MX_AXIS_NONE)), MX_AXIS_NONE),
           sorted_ref(a, MX_AXIS_NONE, false, true, kmin(5, LEN(MX_AXIS_NONE))))
SORT_ENTRY(argtopk_last, mx_argtopk(a, k8(axis_len(a, -1)), -1), sorted_ref(a, -1, true, true, k8(LEN(-1))))
SORT_ENTRY(argtopk_ax0, mx_argtopk(a, axis_len(a, 0), 0), sorted_ref(a, 0, true, true, LEN(0)))
SORT_ENTRY(argtopk_none, mx_argtopk(a, kmin(3, axis_len(a, MX_AXIS_NONE)), MX_AXIS_NONE),
           sorted_ref(a, MX_AXIS_NONE, true, true, kmin(3, LEN(MX_AXIS_NONE))))

#define E(NAME, SHAPES, ...) \
  {.name = #NAME, .nin = 1, .dtypes = DT_ALL, .dom = {DOM_ANY}, .build = b_##NAME, .ref = r_##NAME, .shapes = SHAPES, __VA_ARGS__}

static const sweep_op ops[] = {
    E(sort_last, F_ND1),
    E(sort_ax0, F_ND1),
    E(sort_none, F_ANY),
    E(argsort_last, F_ND1, .out_dtype = to_i64),
    E(argsort_ax0, F_ND1, .out_dtype = to_i64),
    E(argsort_none, F_ANY, .out_dtype = to_i64),
    E(partition_sorted_last, F_ND1),
    E(partition_kth_ax0, F_ND1 & ~SH_EMPTY),
    E(partition_kth_last, F_ND1),
    E(argpartition_sorted_last, F_ND1),
    E(argpartition_kth_none, F_ANY & ~SH_EMPTY),
    E(topk_last, F_ND1),
    E(topk_ax0, F_ND1),
    E(topk_none, F_ANY),
    E(argtopk_last, F_ND1, .out_dtype = to_i64),
    E(argtopk_ax0, F_ND1, .out_dtype = to_i64),
    E(argtopk_none, F_ANY, .out_dtype = to_i64),
};

TEST(sweep_sort) {
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    int before = mxt_failures();
    sweep_run(&ops[i]);
    if (mxt_failures() != before) fprintf(stderr, "  (in sweep entry %s)\n", ops[i].name);
  }
}

/* Integer dtypes at their extremes (and uint64 above INT64_MAX), where a float64 key would
 * merge neighbours. */
TEST(sweep_sort_int_edges) {
  static const sweep_op edge[] = {
      E(sort_last, F_ND1, .int_dom_dtypes = DT_INT),
      E(argsort_ax0, F_ND1, .out_dtype = to_i64, .int_dom_dtypes = DT_INT),
      E(topk_none, F_ANY, .int_dom_dtypes = DT_INT),
  };
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) sweep_run(&edge[i]);
}
