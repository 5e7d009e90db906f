/* rules_join.c — (in progress) vjp, jvp and vmap rules of the join primitives. */
#include "rules.h"

void mxi_rules_join(mx_prim_info *t) { (void)t; }
