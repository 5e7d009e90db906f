/* gradcheck.h — checks an op's transformation rules (DESIGN §8): its vjp against central finite
 * differences in float64, ⟨jvp(v), u⟩ = ⟨v, vjp(u)⟩, and vmap against a loop over examples
 * with a batch axis other than 0. */
#ifndef MX_TEST_GRADCHECK_H
#define MX_TEST_GRADCHECK_H

#include "ref.h"

typedef struct grad_case {
  const char *name;
  int nin;
  mx_shape shapes[4];           /* input shapes */
  domain dom[4];                /* value domains (DOM_FINITE if 0) */
  bool constant[4];             /* input k is not differentiated (an index array, a mask) */
  mx_dtype dtypes[4];           /* for constant inputs (0: float64) */
  mx_array *(*build)(mx_array *const *in); /* the op under test */
  double fd_tol;                /* finite-difference tolerance (0: 1e-6) */
  bool skip_vmap;               /* only for ops that have no batching (none today) */
  bool transpose_first;         /* also check with input 0 given as a transposed view */
} grad_case;

/* Runs all checks of one case; failures are reported through the harness. */
void gradcheck_run(const grad_case *c);

#endif
