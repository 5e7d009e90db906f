/* dtype.c — dtype sizes, names, kinds and the promotion lattice (docs/dtypes.md). */
#include <string.h>

#include "internal.h"

static const struct {
  const char *name;
  size_t size;
} info[MX_NUM_DTYPES] = {
    [MX_BOOL] = {"bool", 1},         [MX_UINT8] = {"uint8", 1},     [MX_UINT16] = {"uint16", 2},
    [MX_UINT32] = {"uint32", 4},     [MX_UINT64] = {"uint64", 8},   [MX_INT8] = {"int8", 1},
    [MX_INT16] = {"int16", 2},       [MX_INT32] = {"int32", 4},     [MX_INT64] = {"int64", 8},
    [MX_FLOAT16] = {"float16", 2},   [MX_BFLOAT16] = {"bfloat16", 2},
    [MX_FLOAT32] = {"float32", 4},   [MX_FLOAT64] = {"float64", 8},
    [MX_COMPLEX64] = {"complex64", 8},
};

bool mx_dtype_is_valid(mx_dtype dt) { return (unsigned)dt < MX_NUM_DTYPES; }
size_t mx_dtype_size(mx_dtype dt) { return mx_dtype_is_valid(dt) ? info[dt].size : 0; }
const char *mx_dtype_name(mx_dtype dt) { return mx_dtype_is_valid(dt) ? info[dt].name : "invalid"; }

bool mx_dtype_from_name(const char *name, mx_dtype *out) {
  for (int i = 0; i < MX_NUM_DTYPES; i++)
    if (name && strcmp(name, info[i].name) == 0) {
      *out = (mx_dtype)i;
      return true;
    }
  return false;
}

bool mx_dtype_is_float(mx_dtype dt) { return dt >= MX_FLOAT16 && dt <= MX_FLOAT64; }
bool mx_dtype_is_complex(mx_dtype dt) { return dt == MX_COMPLEX64; }
bool mx_dtype_is_inexact(mx_dtype dt) { return dt >= MX_FLOAT16 && dt <= MX_COMPLEX64; }
bool mx_dtype_is_integer(mx_dtype dt) { return dt >= MX_UINT8 && dt <= MX_INT64; }
bool mx_dtype_is_signed(mx_dtype dt) { return dt >= MX_INT8 && dt <= MX_COMPLEX64; }
static bool is_unsigned(mx_dtype dt) { return dt >= MX_UINT8 && dt <= MX_UINT64; }

static mx_dtype signed_of_size(size_t size) {
  switch (size) {
    case 1: return MX_INT8;
    case 2: return MX_INT16;
    case 4: return MX_INT32;
    default: return MX_INT64;
  }
}

mx_dtype mx_promote_types(mx_dtype a, mx_dtype b) {
  if (a == b) return a;
  if (a == MX_BOOL) return b;
  if (b == MX_BOOL) return a;
  if (a == MX_COMPLEX64 || b == MX_COMPLEX64) return MX_COMPLEX64;
  bool fa = mx_dtype_is_float(a), fb = mx_dtype_is_float(b);
  if (fa && fb) {
    if ((a == MX_FLOAT16 && b == MX_BFLOAT16) || (a == MX_BFLOAT16 && b == MX_FLOAT16))
      return MX_FLOAT32;
    return info[a].size >= info[b].size ? a : b;
  }
  if (fa) return a; /* integer with float: the float type */
  if (fb) return b;
  bool ua = is_unsigned(a), ub = is_unsigned(b);
  if (ua == ub) return info[a].size >= info[b].size ? a : b;
  mx_dtype u = ua ? a : b, s = ua ? b : a;
  if (info[s].size > info[u].size) return s;
  if (u == MX_UINT64) return MX_FLOAT32; /* no integer type holds both (MLX's choice) */
  return signed_of_size(info[u].size * 2);
}
