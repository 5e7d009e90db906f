/* sweep.h — the registry-driven op sweep (DESIGN §8): every op x every dtype it accepts x shape
 * families (0-d, empty, broadcast, non-contiguous views, large) against a float64 reference,
 * and an error check for every dtype it rejects. tests/support_report.c --check fails naming any
 * registry primitive that no case of the test_sweep_* binaries reaches. */
#ifndef MX_TEST_SWEEP_H
#define MX_TEST_SWEEP_H

#include "ref.h"

#define DT(d) (1u << (d))
#define DT_BOOL DT(MX_BOOL)
#define DT_UINT (DT(MX_UINT8) | DT(MX_UINT16) | DT(MX_UINT32) | DT(MX_UINT64))
#define DT_SINT (DT(MX_INT8) | DT(MX_INT16) | DT(MX_INT32) | DT(MX_INT64))
#define DT_INT (DT_UINT | DT_SINT)
#define DT_FLOAT (DT(MX_FLOAT16) | DT(MX_BFLOAT16) | DT(MX_FLOAT32) | DT(MX_FLOAT64))
#define DT_COMPLEX DT(MX_COMPLEX64)
#define DT_REAL (DT_BOOL | DT_INT | DT_FLOAT)
#define DT_ALL (DT_REAL | DT_COMPLEX)

/* Shape families. */
enum {
  SH_SCALAR = 1 << 0,    /* 0-d */
  SH_EMPTY = 1 << 1,     /* a zero-size dimension */
  SH_VECTOR = 1 << 2,    /* [7] */
  SH_MATRIX = 1 << 3,    /* [5, 6] */
  SH_3D = 1 << 4,        /* [3, 4, 5] */
  SH_TRANSPOSED = 1 << 5, /* a transposed view */
  SH_STRIDED = 1 << 6,   /* a slice with step 2 and a negative step */
  SH_BROADCAST = 1 << 7, /* binary ops: operands of different shapes */
  SH_LARGE = 1 << 8,     /* 200 x 600: the multi-threaded paths */
};
#define SH_ALL 0x1ff
#define SH_NOT_SCALAR (SH_ALL & ~SH_SCALAR)

typedef struct sweep_op {
  const char *name;
  int nin;                     /* array inputs: 1, 2 or 3 */
  uint32_t dtypes;             /* accepted input dtypes (DT mask); others must give an error */
  domain dom[3];               /* value domain per input */
  /* the op under test */
  mx_array *(*build)(mx_array *const *in);
  /* the expected output dtype for an input dtype (NULL: the same) */
  mx_dtype (*out_dtype)(mx_dtype in);
  /* elementwise references (one of these), or a whole-array reference */
  double (*ref1)(double x);
  double (*ref2)(double x, double y);
  void (*ref1c)(double re, double im, double *ore, double *oim);
  void (*ref2c)(const double *x, const double *y, double *out); /* [re, im] triples */
  ref_array *(*ref)(ref_array *const *in, mx_dtype out_dtype);
  /* integer and bool inputs: exact references on int64 values (uint64 as bits); the result is
   * wrapped to the dtype by the sweep. bits is 1 for bool. */
  int64_t (*refi1)(int64_t x, int bits, bool is_signed);
  int64_t (*refi2)(int64_t x, int64_t y, int bits, bool is_signed);
  unsigned shapes;             /* SH_* families (0: SH_ALL) */
  double tol;                  /* tolerance scale (0: 1) */
  uint32_t int_dom_dtypes;     /* dtypes whose inputs use DOM_INT_EDGE instead of dom */
  /* per-dtype tolerance scale override for float16/bfloat16 (0: tol) */
  double tol_half;
} sweep_op;

/* Runs every case of op; failures are reported through the harness. */
void sweep_run(const sweep_op *op);

/* One case outside the shape families (creation ops, parameter grids, inputs the families cannot
 * shape): build(ctx) runs as a sweep_run case does (under MX_SWEEP_DEVICE=cuda on the CUDA stream
 * and compared with the CPU stream; under MX_SWEEP_RECORD only recorded), and its result is checked
 * against ref(ctx) (NULL: none; computed only when checked), then by check (NULL: none). */
typedef struct sweep_case {
  const char *label;
  mx_array *(*build)(const void *ctx);
  ref_array *(*ref)(const void *ctx);
  void (*check)(mx_array *got, const void *ctx, const char *label);
  const void *ctx;
  double tol; /* tolerance scale (0: 1) */
} sweep_case;
void sweep_case_run(const sweep_case *c);
/* The shapes of each input for family f (nin inputs): false if f does not apply. */
bool sweep_shapes(unsigned f, int nin, mx_shape *shapes);

#endif
