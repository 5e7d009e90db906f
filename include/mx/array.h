/* mx/array.h — the array handle: ownership by scopes, sticky errors, creation from C memory,
 * evaluation, reading values back, printing. */
#ifndef MX_ARRAY_H
#define MX_ARRAY_H

#include <stdio.h>

#include "base.h"
#include "dtype.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mx_array mx_array;

/* ---- ownership ---------------------------------------------------------------------------
 * Every function that returns an mx_array* hands it to the innermost open scope of the calling
 * thread; mx_scope_end releases what the scope owns. With no scope open, arrays go to a
 * thread-wide root scope that only mx_shutdown clears.
 * Arrays are not thread-safe: use one array graph from one thread at a time. */
typedef struct mx_scope {
  int depth;
} mx_scope;

/* Out of memory for a new level: records the error and returns a scope whose end does nothing
 * (arrays then go to the current scope). */
mx_scope mx_scope_begin(void);
/* Ends scope s and every scope opened after it, releasing the arrays they own. */
void mx_scope_end(mx_scope s);
/* Gives a to the scope enclosing the current one, so it survives mx_scope_end. Returns a, or an
 * out-of-memory error array (that no scope owns) when the enclosing scope cannot grow. */
mx_array *mx_keep(mx_array *a);
/* Adds a reference the caller owns; pair with mx_release. For parameters and long-lived state. */
mx_array *mx_retain(mx_array *a);
void mx_release(mx_array *a);
/* Releases the root scope, the work memory and the cached memory of the calling thread. A
 * thread that exits without it frees its work memory, and its scope bookkeeping when no scope
 * still owns an array. */
void mx_shutdown(void);

/* ---- errors ------------------------------------------------------------------------------
 * Ops never abort on bad input: they return an error array whose message names the op and the
 * offending shapes. Every op on an error array returns an error array. mx_last_error() is the
 * first message since the last mx_clear_error() (NULL if none). */
const char *mx_last_error(void);
void mx_clear_error(void);
bool mx_is_error(const mx_array *a);
const char *mx_array_error(const mx_array *a); /* NULL unless a is an error array */
typedef void (*mx_error_handler)(const char *message, void *ctx);
/* Called once per new error array (not for propagated ones). NULL restores the default (none). */
void mx_set_error_handler(mx_error_handler handler, void *ctx);
/* For code built on mx (layers, losses, your own ops), failing the way ops do. The message is
 * formatted verbatim — name the function first ("my_layer: ...") — recorded as mx_last_error and
 * passed to the handler. mx_error_new returns it as an error array, mx_error_report as MX_ERROR
 * (for functions returning a status or a pointer). */
mx_array *mx_error_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
mx_status mx_error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first of the n inputs that is NULL ("op: input i is NULL") or an error array (propagated),
 * as an error array; NULL when every input is good. */
mx_array *mx_check_inputs(const char *op, int n, mx_array *const *inputs);
/* a's shape as "(2,3)" in buf (cap bytes, MX_SHAPE_STR_LEN is enough); returns buf. */
#define MX_SHAPE_STR_LEN 96
const char *mx_array_shape_str(const mx_array *a, char *buf, size_t cap);

/* ---- creation from C memory --------------------------------------------------------------- */
/* Copies shape-many elements of dtype from data (row-major). data may be NULL when size is 0. */
mx_array *mx_array_new(const void *data, mx_shape shape, mx_dtype dtype);
/* Uses data in place (zero copy). free_fn(data, ctx) runs when the last user is gone; it may be
 * NULL for memory that outlives every array. data must be aligned to the dtype's size. */
mx_array *mx_array_wrap(void *data, mx_shape shape, mx_dtype dtype,
                        void (*free_fn)(void *data, void *ctx), void *ctx);
/* Typed 0-d arrays. */
mx_array *mx_scalar_typed(double value, mx_dtype dtype);
mx_array *mx_scalar_complex(float re, float im);
/* Weakly typed scalars (JAX/MLX Python-scalar rules): in a binary op they take the other
 * operand's dtype (a float scalar with an integer array gives float32). Alone they are float32
 * and int32. */
mx_array *mx_scalar(double value);
mx_array *mx_scalar_int(int64_t value);

/* ---- properties (valid before evaluation; shape and dtype are known at construction) ---- */
mx_dtype mx_array_dtype(const mx_array *a);
int mx_array_ndim(const mx_array *a);
const int64_t *mx_array_shape(const mx_array *a);
mx_shape mx_array_shape_of(const mx_array *a);
int64_t mx_array_dim(const mx_array *a, int axis); /* negative axis allowed; -1 if out of range */
int64_t mx_array_size(const mx_array *a);          /* number of elements */
size_t mx_array_nbytes(const mx_array *a);
bool mx_array_is_evaluated(const mx_array *a);

/* ---- evaluation --------------------------------------------------------------------------
 * Nothing computes until one of these (or a read below). Returns MX_ERROR if any array is an
 * error array or a kernel failed; mx_last_error() says why. */
mx_status mx_eval(mx_array *a);
mx_status mx_eval_many(int n, mx_array *const *arrays);

/* ---- reading values ----------------------------------------------------------------------- */
/* Evaluates a and returns a pointer to its elements, row-major and contiguous, valid while a
 * lives. NULL on error. */
const void *mx_array_data(mx_array *a);
/* Copies a's elements converted to dtype into dst (capacity in elements). MX_ERROR if too small. */
mx_status mx_array_copy_to(mx_array *a, void *dst, size_t capacity, mx_dtype dtype);
/* The value of a one-element array, converted. On error: NaN (or 0 / false) and the error is set. */
double mx_item_f64(mx_array *a);
float mx_item_f32(mx_array *a);
int64_t mx_item_i64(mx_array *a);
bool mx_item_bool(mx_array *a);
/* One element by index (ndim indices, negative allowed), converted to double. */
double mx_array_get_f64(mx_array *a, const int64_t *index);

/* ---- printing (NumPy's repr) -------------------------------------------------------------- */
/* Returns a malloc'd string, e.g. "array([[1, 2],\n       [3, 4]], dtype=int32)". Free with free().
 * NULL when out of memory (the error is recorded; mx_array_print prints an error line instead). */
char *mx_array_to_string(mx_array *a);
void mx_array_print(FILE *f, mx_array *a);

#ifdef __cplusplus
}
#endif
#endif
