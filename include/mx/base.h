/* mx/base.h — the small value types every other header uses: status, dtype, shape, axes. */
#ifndef MX_BASE_H
#define MX_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most dimensions an array may have. vmap adds one per level, so 8 leaves room. */
#define MX_MAX_DIMS 8

typedef enum mx_status { MX_OK = 0, MX_ERROR = 1 } mx_status;

/* Order matters: it is the order of the promotion lattice's "kinds" (bool < unsigned < signed
 * < floating < complex), and the value is stored in files (keep it stable). */
typedef enum mx_dtype {
  MX_BOOL = 0,
  MX_UINT8,
  MX_UINT16,
  MX_UINT32,
  MX_UINT64,
  MX_INT8,
  MX_INT16,
  MX_INT32,
  MX_INT64,
  MX_FLOAT16,
  MX_BFLOAT16,
  MX_FLOAT32,
  MX_FLOAT64,
  MX_COMPLEX64,
  MX_NUM_DTYPES
} mx_dtype;

/* A shape by value. Build one with MX_SHAPE(2, 3) or MX_SCALAR_SHAPE. */
typedef struct mx_shape {
  int ndim;
  int64_t dims[MX_MAX_DIMS];
} mx_shape;

#define MX_SHAPE(...)                                                                   \
  ((mx_shape){.ndim = (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)),        \
              .dims = {__VA_ARGS__}})
#define MX_SCALAR_SHAPE ((mx_shape){.ndim = 0})

/* A set of axes by value; negative axes count from the end. MX_ALL_AXES means every axis;
 * MX_NO_AXES (n == 0) means none, as NumPy's axis=(). */
typedef struct mx_axes {
  int n;
  int ax[MX_MAX_DIMS];
} mx_axes;

#define MX_AXES(...)                                                                     \
  ((mx_axes){.n = (int)(sizeof((int[]){__VA_ARGS__}) / sizeof(int)), .ax = {__VA_ARGS__}})
#define MX_ALL_AXES ((mx_axes){.n = -1})
#define MX_NO_AXES ((mx_axes){.n = 0})

/* For ops with one optional axis (argmax, cumsum, sort, take, ...): Python's axis=None, which
 * works on the flattened array. */
#define MX_AXIS_NONE (-2147483647 - 1)
/* Python's None as a slice start or stop. */
#define MX_END INT64_MIN

#ifdef __cplusplus
}
#endif
#endif
