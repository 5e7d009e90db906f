/* test_einsum.c — mx_einsum against a brute-force float64 reference (every assignment of every
 * index, products accumulated into the output): matmul, batch matmul, transpose, trace,
 * diagonal, outer, sums, ellipsis with broadcasting, three operands, implicit output order,
 * size-1 broadcasting of an index, empty arrays, several dtypes; and invalid subscripts. */
#include "linalg_ref.h"

/* The reference: explicit letters-only subscripts ("ij,jk->ik"); an operand dimension of size 1
 * broadcasts against its index's size. */
static ref_array *ref_einsum(const char *subs, int n, ref_array *const *ops, mx_dtype odt,
                             double **sumabs, int64_t *nterms) {
  int lab[8][8], nl[8] = {0}, out[8], nout = 0, k = 0;
  int64_t size[128];
  for (int i = 0; i < 128; i++) size[i] = 1;
  const char *c = subs;
  for (; *c && *c != '-'; c++) {
    if (*c == ',') k++;
    else lab[k][nl[k]++] = *c;
  }
  for (c += 2; *c; c++) out[nout++] = *c;
  int letters[52], nlet = 0;
  for (k = 0; k < n; k++)
    for (int i = 0; i < nl[k]; i++) {
      int l = lab[k][i];
      if (ops[k]->shape[i] != 1) size[l] = ops[k]->shape[i];
      bool have = false;
      for (int j = 0; j < nlet; j++) have |= letters[j] == l;
      if (!have) letters[nlet++] = l;
    }
  int64_t oshape[8] = {0};
  for (int i = 0; i < nout; i++) oshape[i] = size[out[i]];
  ref_array *r = ref_new(nout, oshape, odt);
  *sumabs = calloc((size_t)(r->size + 1), sizeof(double));
  uint64_t *iacc = calloc((size_t)(r->size + 1), sizeof(uint64_t));
  double complex *acc = calloc((size_t)(r->size + 1), sizeof(double complex));
  int64_t total = 1, val[128] = {0};
  for (int j = 0; j < nlet; j++) total *= size[letters[j]];
  *nterms = r->size ? total / r->size : 0;
  bool integral = odt == MX_BOOL || mx_dtype_is_integer(odt);
  for (int64_t t = 0; t < total; t++) {
    int64_t rem = t;
    for (int j = nlet - 1; j >= 0; j--) {
      val[letters[j]] = rem % size[letters[j]];
      rem /= size[letters[j]];
    }
    uint64_t ip = 1;
    double complex p = 1;
    double mag = 1;
    for (k = 0; k < n; k++) {
      int64_t f = 0;
      for (int i = 0; i < nl[k]; i++) f = f * ops[k]->shape[i] + (ops[k]->shape[i] == 1 ? 0 : val[lab[k][i]]);
      if (integral) ip *= (uint64_t)(odt == MX_BOOL ? (ops[k]->re[f] != 0) : lt_ival(ops[k], f));
      double complex z = ref_cmplx(ops[k]->re[f], ops[k]->im ? ops[k]->im[f] : 0);
      p = ops[k]->im ? p * z : p * creal(z);
      mag *= cabs(z);
    }
    int64_t o = 0;
    for (int i = 0; i < nout; i++) o = o * size[out[i]] + val[out[i]];
    if (odt == MX_BOOL) iacc[o] |= ip;
    else iacc[o] += ip;
    acc[o] += p;
    (*sumabs)[o] += mag;
  }
  for (int64_t o = 0; o < r->size; o++) {
    if (integral) {
      lt_set_int(r, o, iacc[o]);
    } else {
      r->re[o] = creal(acc[o]);
      if (r->im) r->im[o] = cimag(acc[o]);
    }
  }
  free(iacc);
  free(acc);
  return r;
}

typedef struct ecase {
  const char *subs;     /* given to mx_einsum */
  const char *explicit; /* the same contraction for the reference */
  int n;
  mx_shape shapes[3];
} ecase;

static const ecase cases[] = {
    {"ij,jk->ik", "ij,jk->ik", 2, {MX_SHAPE(3, 4), MX_SHAPE(4, 5)}},
    {"bij,bjk->bik", "bij,bjk->bik", 2, {MX_SHAPE(2, 3, 4), MX_SHAPE(2, 4, 5)}},
    {"ij->ji", "ij->ji", 1, {MX_SHAPE(3, 4)}},
    {"ii", "ii->", 1, {MX_SHAPE(4, 4)}},
    {"ii->i", "ii->i", 1, {MX_SHAPE(4, 4)}},
    {"i,j->ij", "i,j->ij", 2, {MX_SHAPE(3), MX_SHAPE(4)}},
    {"ij->", "ij->", 1, {MX_SHAPE(3, 4)}},
    {"ij->j", "ij->j", 1, {MX_SHAPE(3, 4)}},
    {"...ij,...jk->...ik", "aij,jk->aik", 2, {MX_SHAPE(2, 3, 4), MX_SHAPE(4, 5)}},
    {"...ij,...jk->...ik", "xyij,yjk->xyik", 2, {MX_SHAPE(2, 1, 3, 4), MX_SHAPE(5, 4, 2)}},
    {"ij...,jk...->ik...", "ijz,jkz->ikz", 2, {MX_SHAPE(2, 3, 5), MX_SHAPE(3, 4, 5)}},
    {"...ii->...i", "aii->ai", 1, {MX_SHAPE(3, 4, 4)}},
    {"i...i", "iai->a", 1, {MX_SHAPE(3, 4, 3)}},
    {"ij,jk,kl->il", "ij,jk,kl->il", 3, {MX_SHAPE(2, 3), MX_SHAPE(3, 4), MX_SHAPE(4, 5)}},
    {"ij,jk,kl", "ij,jk,kl->il", 3, {MX_SHAPE(2, 3), MX_SHAPE(3, 4), MX_SHAPE(4, 5)}},
    {"ij,jk", "ij,jk->ik", 2, {MX_SHAPE(3, 4), MX_SHAPE(4, 5)}},
    {"ba", "ba->ab", 1, {MX_SHAPE(3, 4)}},
    {"bA", "bA->Ab", 1, {MX_SHAPE(3, 4)}},
    {"Ba,ab", "Ba,ab->Bb", 2, {MX_SHAPE(2, 3), MX_SHAPE(3, 2)}},
    {"i,i", "i,i->", 2, {MX_SHAPE(5), MX_SHAPE(5)}},
    {"ij,ij->ij", "ij,ij->ij", 2, {MX_SHAPE(3, 4), MX_SHAPE(3, 4)}},
    {"ij,ij->", "ij,ij->", 2, {MX_SHAPE(3, 4), MX_SHAPE(3, 4)}},
    {"ij,ij->ij", "ij,ij->ij", 2, {MX_SHAPE(1, 3), MX_SHAPE(2, 3)}}, /* size-1 broadcast */
    {"ij,jk", "ij,jk->ik", 2, {MX_SHAPE(2, 1), MX_SHAPE(3, 4)}},     /* summed index 1 vs 3 */
    {"ijk,jil->kl", "ijk,jil->kl", 2, {MX_SHAPE(2, 3, 4), MX_SHAPE(3, 2, 5)}},
    {"iij->j", "iij->j", 1, {MX_SHAPE(3, 3, 4)}},
    {"i,i,i->i", "i,i,i->i", 3, {MX_SHAPE(4), MX_SHAPE(4), MX_SHAPE(4)}},
    {",i->i", ",i->i", 2, {MX_SCALAR_SHAPE, MX_SHAPE(4)}},
    {"i j , j k -> i k", "ij,jk->ik", 2, {MX_SHAPE(3, 4), MX_SHAPE(4, 5)}},
    {"ab,cd->abcd", "ab,cd->abcd", 2, {MX_SHAPE(2, 3), MX_SHAPE(2, 2)}},
    {"ij,kj->ikj", "ij,kj->ikj", 2, {MX_SHAPE(2, 3), MX_SHAPE(4, 3)}},
    {"ijk,ikl,ilm->jm", "ijk,ikl,ilm->jm", 3, {MX_SHAPE(2, 3, 4), MX_SHAPE(2, 4, 3), MX_SHAPE(2, 3, 2)}},
    {"ii->", "ii->", 1, {MX_SHAPE(0, 0)}},
    {"ij->", "ij->", 1, {MX_SHAPE(0, 3)}},
    {"ij,jk->ik", "ij,jk->ik", 2, {MX_SHAPE(3, 0), MX_SHAPE(0, 2)}},
    {"bhqd,bhkd->bhqk", "bhqd,bhkd->bhqk", 2, {MX_SHAPE(2, 3, 70, 32), MX_SHAPE(2, 3, 65, 32)}},
};

static void run_case(const ecase *e, mx_dtype dt, uint64_t seed) {
  mx_scope s = mx_scope_begin();
  mx_array *ops[3];
  ref_array *r[3];
  domain d = dt == MX_BOOL ? DOM_ANY : mx_dtype_is_integer(dt) ? DOM_INT_EDGE : DOM_FINITE;
  for (int k = 0; k < e->n; k++) ops[k] = lt_rand(e->shapes[k], dt, d, seed + (uint64_t)k * 31, &r[k]);
  double *sumabs;
  int64_t nterms;
  ref_array *want = ref_einsum(e->explicit, e->n, r, dt, &sumabs, &nterms);
  char label[96];
  snprintf(label, sizeof label, "einsum(\"%s\") %s", e->subs, mx_dtype_name(dt));
  /* several products per term, and intermediates stored in the operands' dtype (float16
   * rounds between contractions): widen the bound by the operand count and to the storage
   * type's epsilon */
  for (int64_t i = 0; i < want->size; i++) sumabs[i] *= e->n * lt_eps_out(dt) / lt_eps_compute(dt);
  lt_check(mx_einsum(e->subs, e->n, ops), want, sumabs, nterms + 2, label);
  free(sumabs);
  ref_free(want);
  for (int k = 0; k < e->n; k++) ref_free(r[k]);
  mx_scope_end(s);
}

TEST(einsum_values) {
  const mx_dtype dts[] = {MX_FLOAT32, MX_FLOAT64, MX_FLOAT16, MX_BFLOAT16, MX_COMPLEX64,
                          MX_INT32, MX_INT8, MX_UINT64, MX_INT64, MX_BOOL};
  for (size_t d = 0; d < sizeof dts / sizeof dts[0]; d++)
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) run_case(&cases[c], dts[d], c * 7 + d);
}

TEST(einsum_views_and_dtypes) {
  /* operands that are views (transposed, strided) and of different dtypes (promotion) */
  ref_array *ra, *rb;
  mx_array *a = lt_rand(MX_SHAPE(4, 5), MX_FLOAT32, DOM_FINITE, 1, &ra); /* used as a^T */
  mx_array *b = lt_rand(MX_SHAPE(4, 6), MX_INT16, DOM_FINITE, 2, &rb);
  mx_array *ops[2] = {mx_transpose(a, MX_ALL_AXES), b};
  mx_array *got = mx_einsum("ij,jk->ik", 2, ops);
  CHECK_INT(mx_array_dtype(got), MX_FLOAT32);
  ref_array *at = lt_mT(ra), *bf = ref_new_shape(MX_SHAPE(4, 6), MX_FLOAT32);
  for (int64_t i = 0; i < bf->size; i++) bf->re[i] = rb->re[i];
  double *sumabs;
  ref_array *want = lt_ref_matmul(at, bf, MX_FLOAT32, &sumabs);
  lt_check(got, want, sumabs, 5, "einsum transposed view x int16");
  free(sumabs);
  ref_free(want);
  ref_free(at);
  ref_free(bf);
  ref_free(ra);
  ref_free(rb);
  /* NumPy: einsum keeps the dtype, so an int8 sum wraps and a bool dot is logical */
  mx_array *x = mx_full(MX_SHAPE(3), 100, MX_INT8);
  mx_array *sx = mx_einsum("i->", 1, &x);
  CHECK_INT(mx_array_dtype(sx), MX_INT8);
  CHECK_INT(mx_item_i64(sx), 44);
  mx_array *t = mx_ones(MX_SHAPE(3), MX_BOOL), *bb[2] = {t, t};
  CHECK_INT(mx_array_dtype(mx_einsum("i,i", 2, bb)), MX_BOOL);
  CHECK(mx_item_bool(mx_einsum("i,i", 2, bb)));
}

TEST(einsum_errors) {
  mx_array *m = mx_ones(MX_SHAPE(2, 3), MX_FLOAT32), *sq = mx_ones(MX_SHAPE(3, 3), MX_FLOAT32);
  mx_array *two[2] = {m, m}, *m3 = mx_ones(MX_SHAPE(2, 3, 4), MX_FLOAT32);
  CHECK_ERROR(mx_einsum("ij,jk->ik", 1, &m), "mx_einsum: subscripts \"ij,jk->ik\" name 2 operands but 1 was given");
  CHECK_ERROR(mx_einsum("ij", 2, two), "name 1 operand but 2 were given");
  CHECK_ERROR(mx_einsum("ij", 1, &m3), "mx_einsum: operand 0 has shape (2,3,4)");
  CHECK_ERROR(mx_einsum("ijkl...", 1, &m), "fewer than");
  CHECK_ERROR(mx_einsum("i1", 1, &m), "mx_einsum: invalid subscript '1'");
  CHECK_ERROR(mx_einsum("i.j", 1, &m), "not part of an ellipsis");
  CHECK_ERROR(mx_einsum("......", 1, &m), "more than one ellipsis");
  CHECK_ERROR(mx_einsum("ij->ii", 1, &sq), "output subscript 'i' appears more than once");
  CHECK_ERROR(mx_einsum("ij->k", 1, &m), "output subscript 'k' does not appear");
  CHECK_ERROR(mx_einsum("ij->j->i", 1, &m), "mx_einsum: invalid character '-'");
  CHECK_ERROR(mx_einsum("ij>j", 1, &m), "invalid character '>'");
  CHECK_ERROR(mx_einsum("ii", 1, &m), "repeats subscript 'i' over dimensions of different sizes (2 != 3)");
  CHECK_ERROR(mx_einsum("ij,ij->ij", 2, (mx_array *[]){m, sq}), "subscript 'i' has size 3 in operand 1 but 2");
  CHECK_ERROR(mx_einsum("...i->i", 1, &m), "no '...'");
  CHECK_ERROR(mx_einsum("ij", 0, NULL), "mx_einsum: 0 operands");
  CHECK_ERROR(mx_einsum(NULL, 1, &m), "mx_einsum: subscripts is NULL");
  CHECK_ERROR(mx_einsum("ij", 1, (mx_array *[]){NULL}), "mx_einsum: input 0 is NULL");
  CHECK_ERROR(mx_einsum("ab,cd,ef,gh,ij->abcdefghij", 5,
                        (mx_array *[]){sq, sq, sq, sq, sq}), "at most 8");
  /* an error operand propagates */
  mx_array *bad = mx_matmul(m, m), *with_bad[2] = {bad, m};
  CHECK(mx_is_error(mx_einsum("ij,ij", 2, with_bad)));
  mx_clear_error();
}
