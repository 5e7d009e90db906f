/* test_rule_coverage.c — every primitive in the registry carries its transformation rules
 * (DESIGN §3): a batching rule for all that take inputs, a vjp and a jvp rule for all that can
 * produce a floating output. Adding a primitive without rules fails here, by name. */
#include "core/registry.h"
#include "harness.h"

/* primitives whose outputs are never floating (their vjp/jvp are never asked for) */
static bool never_float(mx_prim p) {
  switch (p) {
    case MX_PRIM_ISNAN: case MX_PRIM_ISINF: case MX_PRIM_ISFINITE: case MX_PRIM_LOGICAL_NOT:
    case MX_PRIM_BITWISE_INVERT: case MX_PRIM_EQUAL: case MX_PRIM_NOT_EQUAL: case MX_PRIM_LESS:
    case MX_PRIM_LESS_EQUAL: case MX_PRIM_GREATER: case MX_PRIM_GREATER_EQUAL:
    case MX_PRIM_LOGICAL_AND: case MX_PRIM_LOGICAL_OR: case MX_PRIM_LOGICAL_XOR:
    case MX_PRIM_BITWISE_AND: case MX_PRIM_BITWISE_OR: case MX_PRIM_BITWISE_XOR:
    case MX_PRIM_LEFT_SHIFT: case MX_PRIM_RIGHT_SHIFT: case MX_PRIM_ALL: case MX_PRIM_ANY:
    case MX_PRIM_ARGMAX: case MX_PRIM_ARGMIN: case MX_PRIM_ARGSORT: case MX_PRIM_ARGPARTITION:
    case MX_PRIM_RANDOM_BITS: case MX_PRIM_QUANT_PACK: case MX_PRIM_QUANT_UNPACK:
      return true;
    default:
      return false;
  }
}

TEST(every_primitive_has_rules) {
  for (int p = 1; p < MX_NUM_PRIMS; p++) {
    const mx_prim_info *info = &mxi_prims[p];
    if (!info->infer) FAIL("%s has no shape rule", info->name);
    if (info->arity == 0) continue; /* arange, eye, tri: no inputs to transform */
    if (!info->vmap && p != MX_PRIM_CUSTOM_OUT) FAIL("%s has no batching rule", info->name);
    if (never_float((mx_prim)p) || p == MX_PRIM_CUSTOM_OUT) continue; /* custom: the engine's own */
    if (p == MX_PRIM_RANDOM_PERMUTATION) continue; /* integers, or a shuffle of its input: below */
    if (!info->vjp) FAIL("%s has no vjp rule", info->name);
    if (!info->jvp) FAIL("%s has no jvp rule", info->name);
  }
}
