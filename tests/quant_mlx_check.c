/* quant_mlx_check.c — the C side of tests/test_quant_mlx.sh: for every case MLX wrote, quantize
 * its weights with mx and compare the packed words, scales and biases byte for byte; compare
 * mx_dequantize and both forms of mx_quantized_matmul with MLX's results.
 *   quant_mlx_check FILE.safetensors CASES.txt   (lines: "name bits group_size") */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mx/mx.h"

static mx_array *get(mx_tensors *t, const char *name, const char *what) {
  char key[128];
  snprintf(key, sizeof key, "%s.%s", name, what);
  mx_array *a = mx_tensors_get(t, key);
  if (!a) fprintf(stderr, "%s: missing in the file\n", key);
  return a;
}

static bool same_bytes(mx_array *a, mx_array *b) {
  const void *x = mx_array_data(a), *y = mx_array_data(b);
  return x && y && mx_array_nbytes(a) == mx_array_nbytes(b) && memcmp(x, y, mx_array_nbytes(a)) == 0;
}

/* max |a - b| / (max |b| + tiny), in float64 */
static double rel_err(mx_array *a, mx_array *b) {
  mx_array *fa = mx_astype(a, MX_FLOAT64), *fb = mx_astype(b, MX_FLOAT64);
  double d = mx_item_f64(mx_max(mx_abs(mx_subtract(fa, fb)), MX_ALL_AXES, false));
  double m = mx_item_f64(mx_max(mx_abs(fb), MX_ALL_AXES, false));
  return d / (m + 1e-30);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: quant_mlx_check FILE CASES\n");
    return 2;
  }
  mx_tensors *t = mx_load_safetensors(argv[1]);
  FILE *f = fopen(argv[2], "r");
  if (mx_tensors_error(t) || !f) {
    fprintf(stderr, "cannot read the inputs: %s\n", f ? mx_tensors_error(t) : argv[2]);
    return 1;
  }
  char name[64];
  int bits, gs, n = 0, failed = 0;
  while (fscanf(f, "%63s %d %d", name, &bits, &gs) == 3) {
    mx_scope sc = mx_scope_begin();
    n++;
    mx_array *w = get(t, name, "w"), *q = get(t, name, "q"), *s = get(t, name, "s"), *b = get(t, name, "b");
    mx_array *x = get(t, name, "x"), *yt = get(t, name, "yt"), *x2 = get(t, name, "x2"),
             *yn = get(t, name, "yn"), *d = get(t, name, "d");
    if (!w || !q || !s || !b || !x || !yt || !x2 || !yn || !d) {
      failed++;
      mx_scope_end(sc);
      continue;
    }
    mx_array *mq, *ms, *mb;
    bool ok = mx_quantize(w, gs, bits, MX_QUANT_AFFINE, &mq, &ms, &mb) == MX_OK;
    bool bq = ok && same_bytes(mq, q), bs = ok && same_bytes(ms, s), bb = ok && same_bytes(mb, b);
    /* The products against a float64 product with MLX's dequantized weights: mx must be at
     * least as close as MLX (MLX rounds in the weights' dtype as it goes; mx accumulates in
     * float32 and rounds once), and within the dtype's rounding of it. */
    mx_dtype dt = mx_array_dtype(w);
    double tol = dt == MX_FLOAT32 ? 1e-5 : dt == MX_FLOAT16 ? 2e-3 : 1.6e-2;
    double ed = rel_err(mx_dequantize(q, s, b, gs, bits, MX_QUANT_AFFINE), d);
    mx_array *d64 = mx_astype(d, MX_FLOAT64);
    mx_array *rt = mx_matmul(mx_astype(x, MX_FLOAT64), mx_transpose(d64, MX_ALL_AXES));
    mx_array *rn = mx_matmul(mx_astype(x2, MX_FLOAT64), d64);
    double et = rel_err(mx_quantized_matmul(x, q, s, b, true, gs, bits, MX_QUANT_AFFINE), rt);
    double en = rel_err(mx_quantized_matmul(x2, q, s, b, false, gs, bits, MX_QUANT_AFFINE), rn);
    double lt = rel_err(yt, rt), ln = rel_err(yn, rn);
    bool good = bq && bs && bb && ed <= tol && et <= (lt > tol ? lt : tol) && en <= (ln > tol ? ln : tol);
    if (!good) failed++;
    printf("%-18s packed %s scales %s biases %s  dequantize %.1e  x@Wt %.1e (MLX %.1e)  x@W %.1e (MLX %.1e)  %s\n",
           name, bq ? "same" : "DIFF", bs ? "same" : "DIFF", bb ? "same" : "DIFF", ed, et, lt, en, ln,
           good ? "ok" : "FAIL");
    mx_scope_end(sc);
  }
  fclose(f);
  mx_tensors_free(t);
  printf("%d cases, %d failed\n", n, failed);
  return failed || n == 0 ? 1 : 0;
}
