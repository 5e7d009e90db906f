/* idx.h — reads the IDX files of (Fashion-)MNIST into uint8 arrays, checking the header:
 * magic 0x00000801 (labels, [n]) or 0x00000803 (images, [n, rows, cols]), big-endian sizes. */
#ifndef MX_EXAMPLES_IDX_H
#define MX_EXAMPLES_IDX_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mx/mx.h"

static uint32_t idx_be32(const unsigned char *b) {
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Returns images as [n, rows, cols, 1] (channels-last) or labels as [n]; NULL with a message
 * on stderr if the file is missing or malformed. */
static mx_array *idx_load(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "idx: cannot open %s (run scripts/fetch_data.sh)\n", path);
    return NULL;
  }
  unsigned char h[16];
  mx_array *out = NULL;
  if (fread(h, 1, 8, f) != 8) goto bad;
  uint32_t magic = idx_be32(h), n = idx_be32(h + 4), rows = 1, cols = 1;
  if (magic == 0x803) {
    if (fread(h + 8, 1, 8, f) != 8) goto bad;
    rows = idx_be32(h + 8);
    cols = idx_be32(h + 12);
  } else if (magic != 0x801) {
    goto bad;
  }
  if (n == 0 || n > 10000000 || rows > 4096 || cols > 4096) goto bad;
  size_t count = (size_t)n * rows * cols;
  unsigned char *data = malloc(count);
  if (!data || fread(data, 1, count, f) != count) {
    free(data);
    goto bad;
  }
  out = magic == 0x803 ? mx_array_new(data, MX_SHAPE(n, rows, cols, 1), MX_UINT8)
                       : mx_array_new(data, MX_SHAPE(n), MX_UINT8);
  free(data);
  fclose(f);
  return out;
bad:
  fprintf(stderr, "idx: %s is not a valid IDX file\n", path);
  fclose(f);
  return NULL;
}

#endif
