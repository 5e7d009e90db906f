/* rules_sort.c — (in progress) vjp, jvp and vmap rules of the sort primitives. */
#include "rules.h"

void mxi_rules_sort(mx_prim_info *t) { (void)t; }
