/* io_tool.c — the C side of tests/test_io_python.sh: dumps what mx loads from a file (so Python
 * can compare it with what NumPy/safetensors/gguf wrote), and writes a fixed set of arrays that
 * the Python side rebuilds independently (so it can check what mx saved).
 *   io_tool dump PATH                      (format from the extension)
 *   io_tool write safetensors|npz PATH [nobf16]
 *   io_tool write npy DIR                  (one DIR/<name>.npy per array)
 * The value formula (see make_values and io_values in test_io_python.py) is shared knowledge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx/mx.h"

static void hex(const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
  if (!n) printf("-");
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void dump_array(const char *name, mx_array *a) {
  const void *d = mx_array_data(a);
  if (!d) {
    printf("error %s\n", mx_last_error());
    exit(1);
  }
  printf("tensor ");
  hex(name, strlen(name));
  printf(" %s %d", mx_dtype_name(mx_array_dtype(a)), mx_array_ndim(a));
  for (int i = 0; i < mx_array_ndim(a); i++) printf(" %lld", (long long)mx_array_shape(a)[i]);
  printf(" ");
  hex(d, mx_array_nbytes(a));
  printf("\n");
}

static int dump(const char *path) {
  if (ends_with(path, ".npy")) {
    mx_array *a = mx_load_npy(path);
    if (mx_is_error(a)) {
      printf("error %s\n", mx_array_error(a));
      return 1;
    }
    dump_array("array", a);
    return 0;
  }
  mx_tensors *t = ends_with(path, ".npz") ? mx_load_npz(path)
                : ends_with(path, ".gguf") ? mx_load_gguf(path) : mx_load_safetensors(path);
  if (mx_tensors_error(t)) {
    printf("error %s\n", mx_tensors_error(t));
    return 1;
  }
  for (int i = 0; i < mx_tensors_metadata_count(t); i++) {
    const char *k = mx_tensors_metadata_key(t, i), *v = mx_tensors_metadata(t, k);
    printf("meta ");
    hex(k, strlen(k));
    printf(" ");
    hex(v, strlen(v));
    printf("\n");
  }
  for (int i = 0; i < mx_tensors_count(t); i++) dump_array(mx_tensors_name(t, i), mx_tensors_at(t, i));
  mx_tensors_free(t);
  return 0;
}

/* Element i of the test arrays: integers wrap (i * 2654435761 + 12345) to their width, floats are
 * (i - 2.5) * 0.375 (exact in every float type), complex adds i * 0.5 as the imaginary part. */
static mx_array *make_values(mx_dtype dt, mx_shape shape) {
  int64_t n = 1;
  for (int i = 0; i < shape.ndim; i++) n *= shape.dims[i];
  size_t es = mx_dtype_size(dt);
  unsigned char *buf = calloc((size_t)(n ? n : 1), es);
  for (int64_t i = 0; i < n; i++) {
    unsigned char *p = buf + (size_t)i * es;
    uint64_t v = (uint64_t)i * 2654435761u + 12345u;
    float f = (float)(((double)i - 2.5) * 0.375);
    if (dt == MX_BOOL) {
      *p = i % 3 == 0;
    } else if (mx_dtype_is_integer(dt)) {
      memcpy(p, &v, es); /* little-endian: the low bytes */
    } else if (dt == MX_FLOAT16 || dt == MX_BFLOAT16) {
      mx_array *s = mx_astype(mx_scalar_typed(f, MX_FLOAT32), dt);
      memcpy(p, mx_array_data(s), 2);
    } else if (dt == MX_FLOAT32) {
      memcpy(p, &f, 4);
    } else if (dt == MX_FLOAT64) {
      double d = f;
      memcpy(p, &d, 8);
    } else {
      float c[2] = {f, (float)i * 0.5f};
      memcpy(p, c, 8);
    }
  }
  mx_array *a = mx_array_new(buf, shape, dt);
  free(buf);
  return a;
}

/* The fixed set: per dtype "<dtype>_2x3", "<dtype>_scalar", "<dtype>_empty" (0x4), and
 * "<dtype>_t" — the transpose of a 3x2 array, a non-contiguous view. */
static int make_set(mx_named_array *out, char names[][40], bool bf16) {
  int n = 0;
  for (int d = 0; d < MX_NUM_DTYPES; d++) {
    if (d == MX_BFLOAT16 && !bf16) continue;
    const char *dn = mx_dtype_name((mx_dtype)d);
    const char *suffix[4] = {"2x3", "scalar", "empty", "t"};
    mx_shape shapes[3] = {MX_SHAPE(2, 3), MX_SCALAR_SHAPE, MX_SHAPE(0, 4)};
    for (int k = 0; k < 4; k++) {
      snprintf(names[n], 40, "%s_%s", dn, suffix[k]);
      out[n].name = names[n];
      out[n].array = k < 3 ? make_values((mx_dtype)d, shapes[k])
                           : mx_transpose(make_values((mx_dtype)d, MX_SHAPE(3, 2)), MX_ALL_AXES);
      n++;
    }
  }
  return n;
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "dump") == 0) return dump(argv[2]);
  if (argc < 4 || strcmp(argv[1], "write") != 0) {
    fprintf(stderr, "usage: io_tool dump PATH | io_tool write safetensors|npz|npy PATH [nobf16]\n");
    return 2;
  }
  mx_named_array set[4 * MX_NUM_DTYPES];
  char names[4 * MX_NUM_DTYPES][40];
  bool bf16 = !(argc >= 5 && strcmp(argv[4], "nobf16") == 0);
  int n = make_set(set, names, bf16);
  mx_status st = MX_OK;
  if (strcmp(argv[2], "safetensors") == 0) {
    const char *keys[] = {"format", "note"}, *values[] = {"mx", "line1\nline2 \"quoted\" \xc3\xa9"};
    st = mx_save_safetensors(argv[3], n, set, 2, keys, values);
  } else if (strcmp(argv[2], "npz") == 0) {
    st = mx_save_npz(argv[3], n, set);
  } else if (strcmp(argv[2], "npy") == 0) {
    for (int i = 0; i < n && st == MX_OK; i++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s.npy", argv[3], set[i].name);
      st = mx_save_npy(path, set[i].array);
    }
  } else {
    fprintf(stderr, "unknown format %s\n", argv[2]);
    return 2;
  }
  if (st != MX_OK) {
    fprintf(stderr, "io_tool: %s\n", mx_last_error());
    return 1;
  }
  mx_shutdown();
  return 0;
}
