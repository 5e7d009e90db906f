/* zip.h — the part of the zip format .npz files use (zip.c): reading the central directory of
 * stored and deflated members, and the records of a stored archive for writing. No zip64. */
#ifndef MX_IO_ZIP_H
#define MX_IO_ZIP_H

#include "io_internal.h"

typedef struct mxi_zip_entry {
  char *name; /* NUL-terminated copy */
  size_t name_len;
  int method; /* 0 stored, 8 deflate */
  uint32_t crc, csize, usize;
  const uint8_t *data; /* csize bytes of (compressed) data, inside the archive */
} mxi_zip_entry;

/* Reads the directory of the archive in data[0..size) into *entries (free with mxi_zip_free).
 * false with the reason written to err on a malformed or unsupported archive. */
bool mxi_zip_read(const uint8_t *data, size_t size, mxi_zip_entry **entries, size_t *n, char *err,
                  size_t err_len);
void mxi_zip_free(mxi_zip_entry *entries, size_t n);

/* Stored-member records (little-endian, DOS date 1980-01-01 so archives are reproducible). */
#define MXI_ZIP_LOCAL_SIZE 30
#define MXI_ZIP_END_SIZE 22
void mxi_zip_local_header(uint8_t *out, size_t name_len, uint32_t crc, uint32_t size);
void mxi_zip_central_header(mxi_sbuf *cd, const char *name, size_t name_len, uint32_t crc,
                            uint32_t size, uint32_t offset);
void mxi_zip_end(uint8_t *out, uint16_t count, uint32_t cd_size, uint32_t cd_offset);

#endif
