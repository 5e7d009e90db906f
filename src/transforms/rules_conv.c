/* rules_conv.c — (in progress) vjp, jvp and vmap rules of the conv primitives. */
#include "rules.h"

void mxi_rules_conv(mx_prim_info *t) { (void)t; }
