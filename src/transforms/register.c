/* register.c — installs every primitive's transformation rules into the registry. */
#include "rules.h"

void mxi_register_transforms(mx_prim_info *t) {
  mxi_rules_custom(t);
  mxi_rules_elementwise(t);
  mxi_rules_reduce(t);
  mxi_rules_layout(t);
  mxi_rules_creation(t);
  mxi_rules_join(t);
  mxi_rules_scan(t);
  mxi_rules_indexing(t);
  mxi_rules_sort(t);
  mxi_rules_linalg(t);
  mxi_rules_conv(t);
  mxi_rules_nn(t);
  mxi_rules_random(t);
  mxi_rules_quant(t);
}
