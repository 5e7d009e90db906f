/* rules_linalg.c — (in progress) vjp, jvp and vmap rules of the linalg primitives. */
#include "rules.h"

void mxi_rules_linalg(mx_prim_info *t) { (void)t; }
