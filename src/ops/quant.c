/* quant.c — affine quantization in MLX's layout (include/mx/quant.h): mx_quantize composed of
 * elementwise ops (MLX's rounding, in float32) and the QUANT_PACK primitive; mx_dequantize from
 * QUANT_UNPACK; the QUANTIZED_MATMUL primitive, which reads the packed codes directly. */
#include <stdio.h>

#include "families.h"
#include "mx/quant.h"
#include "util.h"

static bool valid_bits(int b) { return b == 2 || b == 3 || b == 4 || b == 5 || b == 6 || b == 8; }
static bool valid_group(int g) { return g == 32 || g == 64 || g == 128; }

/* The layout arguments every quantization op takes; NULL when they are valid. */
static mx_array *check_layout(const char *op, int group_size, int bits, mx_quant_mode mode) {
  if (mode != MX_QUANT_AFFINE) return mxi_error(op, "unknown quantization mode %d", (int)mode);
  if (!valid_bits(bits)) return mxi_error(op, "bits must be 2, 3, 4, 5, 6 or 8 (got %d)", bits);
  if (!valid_group(group_size))
    return mxi_error(op, "group_size must be 32, 64 or 128 (got %d)", group_size);
  return NULL;
}

/* ---- shape rules ---- */

static bool infer_pack(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                       int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)n;
  const mx_array *a = in[0];
  int bits = p->quant.bits;
  bool pack = prim == MX_PRIM_QUANT_PACK;
  if (a->ndim < 1 || a->dtype != (pack ? MX_UINT8 : MX_UINT32) || !valid_bits(bits)) {
    snprintf(err, errlen, "%s takes %s of rank >= 1 and 2-8 bits (internal)",
             pack ? "quant_pack" : "quant_unpack", pack ? "uint8 codes" : "uint32 words");
    return false;
  }
  int64_t last = a->shape[a->ndim - 1];
  if (pack ? (last * bits) % 32 : (last * 32) % bits) {
    snprintf(err, errlen, "a row of %lld %s does not fill whole %s", (long long)last,
             pack ? "codes" : "words", pack ? "uint32 words" : "codes");
    return false;
  }
  *ndim = a->ndim;
  for (int i = 0; i < a->ndim; i++) shape[i] = a->shape[i];
  shape[a->ndim - 1] = pack ? last * bits / 32 : last * 32 / bits;
  *dtype = pack ? MX_UINT32 : MX_UINT8;
  return true;
}

/* x [..., K] float32, w uint32 2-D, scales and biases float32 2-D of one shape. */
static bool infer_qmm(mx_prim prim, mx_array *const *in, int n, const mx_params *p, int *ndim,
                      int64_t *shape, mx_dtype *dtype, char *err, size_t errlen) {
  (void)prim;
  (void)n;
  const mx_array *x = in[0], *w = in[1], *s = in[2], *b = in[3];
  int bits = p->quant.bits, gs = p->quant.group_size;
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN], s3[MXI_SHAPE_STR_LEN];
  if (x->dtype != MX_FLOAT32 || w->dtype != MX_UINT32 || s->dtype != MX_FLOAT32 ||
      b->dtype != MX_FLOAT32 || x->ndim < 1 || w->ndim != 2) {
    snprintf(err, errlen, "operands must be float32 x, 2-D uint32 weights, float32 scales "
                          "(internal: the constructor converts them)");
    return false;
  }
  /* the packed axis is the last; its logical length is words * 32 / bits */
  int64_t rows = w->shape[0], cols = w->shape[1] * 32 / bits;
  int64_t k = p->quant.transpose ? cols : rows, nout = p->quant.transpose ? rows : cols;
  bool ok = s->ndim == 2 && b->ndim == 2 && s->shape[0] == rows && s->shape[1] * gs == cols &&
            b->shape[0] == rows && b->shape[1] == s->shape[1] && (w->shape[1] * 32) % bits == 0;
  if (!ok) {
    snprintf(err, errlen, "packed weights %s (%lld x %lld codes of %d bits) need scales and "
             "biases of shape (%lld,%lld), got %s and %s",
             mxi_shape_str(s1, sizeof s1, w->ndim, w->shape), (long long)rows, (long long)cols,
             bits, (long long)rows, (long long)(cols / gs),
             mxi_shape_str(s2, sizeof s2, s->ndim, s->shape),
             mxi_shape_str(s3, sizeof s3, b->ndim, b->shape));
    return false;
  }
  if (x->shape[x->ndim - 1] != k) {
    snprintf(err, errlen, "x of shape %s does not match the %s weights %s: its last dimension "
             "must be %lld", mxi_shape_str(s1, sizeof s1, x->ndim, x->shape),
             p->quant.transpose ? "transposed" : "untransposed",
             mxi_shape_str(s2, sizeof s2, w->ndim, w->shape), (long long)k);
    return false;
  }
  *ndim = x->ndim;
  for (int i = 0; i < x->ndim - 1; i++) shape[i] = x->shape[i];
  shape[x->ndim - 1] = nout;
  *dtype = MX_FLOAT32;
  return true;
}

void mxi_register_quant(mx_prim_info *t) {
  t[MX_PRIM_QUANT_PACK].infer = infer_pack;
  t[MX_PRIM_QUANT_UNPACK].infer = infer_pack;
  t[MX_PRIM_QUANTIZED_MATMUL].infer = infer_qmm;
}

/* ---- constructors ---- */

static void fill3(mx_array **a, mx_array **b, mx_array **c, mx_array *e) {
  if (a) *a = e;
  if (b) *b = e;
  if (c) *c = e;
}

static mx_params quant_params(int group_size, int bits, bool transpose) {
  mx_params p = {.quant = {bits, group_size, transpose}};
  return p;
}

mx_status mx_quantize(mx_array *w, int group_size, int bits, mx_quant_mode mode, mx_array **wq,
                      mx_array **scales, mx_array **biases) {
  mx_array *bad = NULL;
  if (!wq || !scales || !biases) bad = mxi_error("quantize", "the three outputs must not be NULL");
  if (!bad) bad = mxi_check_inputs("quantize", 1, &w);
  if (!bad) bad = check_layout("quantize", group_size, bits, mode);
  char s[MXI_SHAPE_STR_LEN];
  if (!bad && !mx_dtype_is_float((mx_dtype)w->dtype))
    bad = mxi_error("quantize", "w must be floating (got %s)", mx_dtype_name((mx_dtype)w->dtype));
  if (!bad && (w->ndim < 2 || w->shape[w->ndim - 1] % group_size != 0))
    bad = mxi_error("quantize", "w of shape %s must be at least 2-D with a last dimension that is "
                    "a multiple of group_size %d", mxi_shape_str(s, sizeof s, w->ndim, w->shape),
                    group_size);
  if (bad) {
    fill3(wq, scales, biases, bad);
    return MX_ERROR;
  }
  /* MLX's affine rounding (backend/cpu/quantized.cpp), in float32: the group's larger-magnitude
   * edge is exactly representable, scales carry the sign that keeps codes non-negative */
  mx_shape g = mxi_shape_of(w);
  g.dims[g.ndim - 1] = w->shape[w->ndim - 1] / group_size;
  g.dims[g.ndim++] = group_size;
  mx_array *x = mx_reshape(mxi_cast(w, MX_FLOAT32), g);
  double n_bins = (double)((1 << bits) - 1);
  mx_array *hi = mx_max(x, MX_AXES(-1), true), *lo = mx_min(x, MX_AXES(-1), true);
  mx_array *use_lo = mx_greater(mx_abs(lo), mx_abs(hi));
  mx_array *scale = mx_maximum(mx_divide(mx_subtract(hi, lo), mx_scalar(n_bins)), mx_scalar(1e-7));
  scale = mx_where(use_lo, scale, mx_negative(scale));
  mx_array *edge = mx_where(use_lo, lo, hi);
  mx_array *q0 = mx_round(mx_divide(edge, scale));
  mx_array *nonzero = mx_not_equal(q0, mx_scalar(0));
  scale = mx_where(nonzero, mx_divide(edge, q0), scale);
  mx_array *bias = mx_where(nonzero, edge, mx_scalar(0));
  mx_array *q = mx_clip(mx_round(mx_divide(mx_subtract(x, bias), scale)), mx_scalar(0),
                        mx_scalar(n_bins));
  mx_array *codes = mx_astype(mx_reshape(q, mxi_shape_of(w)), MX_UINT8);
  mx_params p = quant_params(group_size, bits, false);
  *wq = mxi_apply(MX_PRIM_QUANT_PACK, 1, &codes, &p);
  *scales = mxi_cast(mx_squeeze(scale, MX_AXES(-1)), (mx_dtype)w->dtype);
  *biases = mxi_cast(mx_squeeze(bias, MX_AXES(-1)), (mx_dtype)w->dtype);
  return mx_is_error(*wq) || mx_is_error(*scales) || mx_is_error(*biases) ? MX_ERROR : MX_OK;
}

/* Checks packed weights against their scales and biases; NULL when they fit. */
static mx_array *check_packed(const char *op, mx_array *wq, mx_array *scales, mx_array *biases,
                              int group_size, int bits, mx_quant_mode mode, bool two_d) {
  mx_array *bad = mxi_check_inputs(op, 3, (mx_array *[]){wq, scales, biases});
  if (!bad) bad = check_layout(op, group_size, bits, mode);
  if (bad) return bad;
  char s1[MXI_SHAPE_STR_LEN], s2[MXI_SHAPE_STR_LEN], s3[MXI_SHAPE_STR_LEN];
  if (wq->dtype != MX_UINT32)
    return mxi_error(op, "packed weights must be uint32 (got %s)", mx_dtype_name((mx_dtype)wq->dtype));
  if (!mx_dtype_is_float((mx_dtype)scales->dtype) || scales->dtype != biases->dtype)
    return mxi_error(op, "scales and biases must be floating and of one dtype (got %s and %s)",
                     mx_dtype_name((mx_dtype)scales->dtype), mx_dtype_name((mx_dtype)biases->dtype));
  bool ok = wq->ndim >= (two_d ? 2 : 1) && (!two_d || wq->ndim == 2) && scales->ndim == wq->ndim &&
            biases->ndim == wq->ndim && (wq->shape[wq->ndim - 1] * 32) % bits == 0;
  for (int i = 0; ok && i < wq->ndim - 1; i++)
    ok = scales->shape[i] == wq->shape[i] && biases->shape[i] == wq->shape[i];
  if (ok) {
    int64_t codes = wq->shape[wq->ndim - 1] * 32 / bits;
    ok = scales->shape[wq->ndim - 1] * group_size == codes &&
         biases->shape[wq->ndim - 1] == scales->shape[wq->ndim - 1];
  }
  if (!ok)
    return mxi_error(op, "packed weights %s (%d bits, groups of %d) do not match scales %s and "
                     "biases %s%s", mxi_shape_str(s1, sizeof s1, wq->ndim, wq->shape), bits,
                     group_size, mxi_shape_str(s2, sizeof s2, scales->ndim, scales->shape),
                     mxi_shape_str(s3, sizeof s3, biases->ndim, biases->shape),
                     two_d ? " (the weights must be 2-D)" : "");
  return NULL;
}

mx_array *mx_dequantize(mx_array *wq, mx_array *scales, mx_array *biases, int group_size, int bits,
                        mx_quant_mode mode) {
  mx_array *bad = check_packed("dequantize", wq, scales, biases, group_size, bits, mode, false);
  if (bad) return bad;
  mx_params p = quant_params(group_size, bits, false);
  mx_array *codes = mxi_apply(MX_PRIM_QUANT_UNPACK, 1, &wq, &p);
  mx_shape g = mxi_shape_of(codes);
  g.dims[g.ndim - 1] /= group_size;
  g.dims[g.ndim++] = group_size;
  /* float32 arithmetic rounded once to the scales' dtype (float64 scales: float64) */
  mx_dtype ct = scales->dtype == MX_FLOAT64 ? MX_FLOAT64 : MX_FLOAT32;
  mx_array *s = mx_expand_dims(mxi_cast(scales, ct), MX_AXES(-1));
  mx_array *b = mx_expand_dims(mxi_cast(biases, ct), MX_AXES(-1));
  mx_array *w = mx_add(mx_multiply(mx_astype(mx_reshape(codes, g), ct), s), b);
  return mxi_cast(mx_reshape(w, mxi_shape_of(codes)), (mx_dtype)scales->dtype);
}

mx_array *mx_quantized_matmul(mx_array *x, mx_array *wq, mx_array *scales, mx_array *biases,
                              bool transpose, int group_size, int bits, mx_quant_mode mode) {
  MXI_CHECK("quantized_matmul", x);
  mx_array *bad = check_packed("quantized_matmul", wq, scales, biases, group_size, bits, mode, true);
  if (bad) return bad;
  if (!mx_dtype_is_float((mx_dtype)x->dtype))
    return mxi_error("quantized_matmul", "x must be floating (got %s)",
                     mx_dtype_name((mx_dtype)x->dtype));
  if (x->ndim < 1) return mxi_error("quantized_matmul", "x must be at least 1-D (got a scalar)");
  mx_params p = quant_params(group_size, bits, transpose);
  mx_array *in[4] = {mxi_cast(x, MX_FLOAT32), wq, mxi_cast(scales, MX_FLOAT32),
                     mxi_cast(biases, MX_FLOAT32)};
  return mxi_cast(mxi_apply(MX_PRIM_QUANTIZED_MATMUL, 4, in, &p), (mx_dtype)x->dtype);
}
