/* quickstart.c — a first look at mx: lazy arrays, broadcasting, reductions, printing, and what
 * happens with bad input (an error array, not a crash). */
#include <stdio.h>
#include <stdlib.h>

#include "mx/mx.h"

int main(void) {
  mx_scope s = mx_scope_begin();

  /* a 3x4 matrix of 0..11 and a per-column scale, broadcast together */
  mx_array *x = mx_reshape(mx_arange(0, 12, 1, MX_FLOAT32), MX_SHAPE(3, 4));
  mx_array *scale = mx_array_new((float[]){1, 0.5f, 0.25f, 2}, MX_SHAPE(4), MX_FLOAT32);
  mx_array *y = mx_multiply(x, scale);
  mx_array *col_mean = mx_mean(y, MX_AXES(0), false);
  mx_array *z = mx_exp(mx_subtract(y, mx_max(y, MX_AXES(1), true))); /* nothing computed yet */

  printf("y =\n");
  mx_array_print(stdout, y);
  printf("column means = ");
  mx_array_print(stdout, col_mean);
  printf("exp(y - rowmax) =\n");
  mx_array_print(stdout, z);

  /* a shape mistake gives an error array whose message names the op and the shapes */
  mx_array *bad = mx_add(x, mx_ones(MX_SHAPE(3), MX_FLOAT32));
  if (mx_eval(bad) != MX_OK) printf("expected error: %s\n", mx_last_error());
  mx_clear_error();

  printf("sum of z = %.6f\n", mx_item_f64(mx_sum(z, MX_ALL_AXES, false)));
  mx_scope_end(s);
  mx_shutdown();
  return 0;
}
