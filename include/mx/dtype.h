/* mx/dtype.h — element types: sizes, names, kinds, and the type-promotion rules (docs/dtypes.md). */
#ifndef MX_DTYPE_H
#define MX_DTYPE_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

size_t mx_dtype_size(mx_dtype dt);          /* bytes per element */
const char *mx_dtype_name(mx_dtype dt);     /* "float32", ... ; "invalid" if out of range */
bool mx_dtype_from_name(const char *name, mx_dtype *out);
bool mx_dtype_is_float(mx_dtype dt);        /* float16, bfloat16, float32, float64 */
bool mx_dtype_is_complex(mx_dtype dt);
bool mx_dtype_is_inexact(mx_dtype dt);      /* float or complex */
bool mx_dtype_is_integer(mx_dtype dt);      /* signed or unsigned, not bool */
bool mx_dtype_is_signed(mx_dtype dt);       /* signed integers, floats and complex */
bool mx_dtype_is_valid(mx_dtype dt);

/* The dtype of a binary op's result on arrays of these dtypes (MLX rules, see docs/dtypes.md). */
mx_dtype mx_promote_types(mx_dtype a, mx_dtype b);

#ifdef __cplusplus
}
#endif
#endif
