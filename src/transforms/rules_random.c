/* rules_random.c — (in progress) vjp, jvp and vmap rules of the random primitives. */
#include "rules.h"

void mxi_rules_random(mx_prim_info *t) { (void)t; }
