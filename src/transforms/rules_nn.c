/* rules_nn.c — (in progress) vjp, jvp and vmap rules of the nn primitives. */
#include "rules.h"

void mxi_rules_nn(mx_prim_info *t) { (void)t; }
