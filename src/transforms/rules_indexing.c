/* rules_indexing.c — (in progress) vjp, jvp and vmap rules of the indexing primitives. */
#include "rules.h"

void mxi_rules_indexing(mx_prim_info *t) { (void)t; }
