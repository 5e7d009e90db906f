/* zip.c — zip archives as .npz files use them: the central directory is the source of truth
 * (numpy's local headers carry zip64 placeholders), each local header is checked against it, and
 * sizes are checked before anything is allocated. Archives that need zip64 are refused. */
#include <stdlib.h>

#include "zip.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_ZIP64_LOCATOR 0x07064b50u
#define CENTRAL_SIZE 46
/* Deflate cannot expand data by more than about 1032:1; a larger claimed ratio is a lie (or a
 * bomb), refused before allocating the output. */
#define MAX_RATIO 1100u

static bool fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, len, fmt, ap);
  va_end(ap);
  return false;
}

/* The end-of-central-directory record: the last signature whose comment ends the file. */
static bool find_end(const uint8_t *d, size_t size, size_t *at) {
  if (size < MXI_ZIP_END_SIZE) return false;
  size_t lo = size - MXI_ZIP_END_SIZE > 65535 ? size - MXI_ZIP_END_SIZE - 65535 : 0;
  for (size_t i = size - MXI_ZIP_END_SIZE + 1; i-- > lo;) {
    if (mxi_rd32(d + i) == SIG_END && i + MXI_ZIP_END_SIZE + mxi_rd16(d + i + 20) == size) {
      *at = i;
      return true;
    }
  }
  return false;
}

void mxi_zip_free(mxi_zip_entry *e, size_t n) {
  for (size_t i = 0; e && i < n; i++) free(e[i].name);
  free(e);
}

/* One central directory entry at d + *pos (inside [0, cd_end)), checked against its local
 * header. */
static bool read_entry(const uint8_t *d, size_t *pos, size_t cd_end, size_t cd_off,
                       mxi_zip_entry *e, char *err, size_t el) {
  const uint8_t *c = d + *pos;
  if (cd_end - *pos < CENTRAL_SIZE || mxi_rd32(c) != SIG_CENTRAL)
    return fail(err, el, "corrupt central directory entry at byte %zu", *pos);
  unsigned flags = mxi_rd16(c + 8), nlen = mxi_rd16(c + 28), xlen = mxi_rd16(c + 30),
           clen = mxi_rd16(c + 32);
  e->method = mxi_rd16(c + 10);
  e->crc = mxi_rd32(c + 16);
  e->csize = mxi_rd32(c + 20);
  e->usize = mxi_rd32(c + 24);
  uint32_t lho = mxi_rd32(c + 42);
  size_t total = (size_t)CENTRAL_SIZE + nlen + xlen + clen;
  if (cd_end - *pos < total) return fail(err, el, "central directory entry overruns the directory");
  const char *name = (const char *)c + CENTRAL_SIZE;
  e->name = malloc(nlen + 1u);
  if (!e->name) return fail(err, el, "out of memory");
  memcpy(e->name, name, nlen);
  e->name[nlen] = 0;
  e->name_len = nlen;
  *pos += total;
  const char *nm = e->name;
  if (e->csize == 0xffffffffu || e->usize == 0xffffffffu || lho == 0xffffffffu)
    return fail(err, el, "member '%s' needs zip64, which is not supported", nm);
  if (flags & 1u) return fail(err, el, "member '%s' is encrypted", nm);
  if (mxi_rd16(c + 34) != 0) return fail(err, el, "multi-disk archives are not supported");
  if (e->method != 0 && e->method != 8)
    return fail(err, el, "member '%s' uses compression method %d (only stored and deflate are supported)",
                nm, e->method);
  if (e->method == 0 && e->csize != e->usize)
    return fail(err, el, "stored member '%s' has compressed size %u but size %u", nm, e->csize, e->usize);
  if (e->method == 8 && e->usize / MAX_RATIO > e->csize)
    return fail(err, el, "member '%s' claims an impossible compression ratio (%u bytes from %u)", nm,
                e->usize, e->csize);
  /* The local header: same name, and the data must end before the central directory. */
  if (lho > cd_off || cd_off - lho < MXI_ZIP_LOCAL_SIZE || mxi_rd32(d + lho) != SIG_LOCAL)
    return fail(err, el, "member '%s' has no local header at byte %u", nm, lho);
  const uint8_t *l = d + lho;
  size_t lnlen = mxi_rd16(l + 26), lxlen = mxi_rd16(l + 28);
  size_t data_off = (size_t)lho + MXI_ZIP_LOCAL_SIZE + lnlen + lxlen;
  if (lnlen != nlen || data_off > cd_off ||
      memcmp(l + MXI_ZIP_LOCAL_SIZE, name, nlen) != 0)
    return fail(err, el, "member '%s': local header does not match the central directory", nm);
  if (mxi_rd16(l + 8) != (unsigned)e->method)
    return fail(err, el, "member '%s': local and central compression methods differ", nm);
  if (cd_off - data_off < e->csize)
    return fail(err, el, "member '%s': %u bytes of data overrun the archive", nm, e->csize);
  e->data = d + data_off;
  return true;
}

bool mxi_zip_read(const uint8_t *d, size_t size, mxi_zip_entry **entries, size_t *n, char *err,
                  size_t el) {
  *entries = NULL;
  *n = 0;
  size_t end;
  if (!find_end(d, size, &end)) return fail(err, el, "not a zip archive (no end of central directory)");
  const uint8_t *e = d + end;
  unsigned count = mxi_rd16(e + 10);
  uint32_t cd_size = mxi_rd32(e + 12), cd_off = mxi_rd32(e + 16);
  if ((end >= 20 && mxi_rd32(d + end - 20) == SIG_ZIP64_LOCATOR) || count == 0xffffu ||
      cd_size == 0xffffffffu || cd_off == 0xffffffffu)
    return fail(err, el, "zip64 archives are not supported");
  if (mxi_rd16(e + 4) != 0 || mxi_rd16(e + 6) != 0 || mxi_rd16(e + 8) != count)
    return fail(err, el, "multi-disk archives are not supported");
  if (cd_off > end || end - cd_off < cd_size)
    return fail(err, el, "central directory (%u bytes at %u) lies outside the archive", cd_size, cd_off);
  if ((size_t)count * CENTRAL_SIZE > cd_size)
    return fail(err, el, "%u entries cannot fit a %u-byte central directory", count, cd_size);
  mxi_zip_entry *v = calloc(count ? count : 1, sizeof *v);
  if (!v) return fail(err, el, "out of memory");
  size_t pos = cd_off, cd_end = (size_t)cd_off + cd_size;
  for (unsigned i = 0; i < count; i++) {
    if (!read_entry(d, &pos, cd_end, cd_off, &v[i], err, el)) {
      mxi_zip_free(v, i + 1);
      return false;
    }
  }
  *entries = v;
  *n = count;
  return true;
}

void mxi_zip_local_header(uint8_t *o, size_t name_len, uint32_t crc, uint32_t size) {
  mxi_wr32(o, SIG_LOCAL);
  mxi_wr16(o + 4, 20);                        /* version needed: 2.0 */
  mxi_wr16(o + 6, 0x800);                     /* names are UTF-8 */
  mxi_wr16(o + 8, 0);                         /* stored */
  mxi_wr16(o + 10, 0);                        /* 00:00:00 */
  mxi_wr16(o + 12, (0 << 9) | (1 << 5) | 1);  /* 1980-01-01 */
  mxi_wr32(o + 14, crc);
  mxi_wr32(o + 18, size);
  mxi_wr32(o + 22, size);
  mxi_wr16(o + 26, (uint16_t)name_len);
  mxi_wr16(o + 28, 0);
}

void mxi_zip_central_header(mxi_sbuf *cd, const char *name, size_t name_len, uint32_t crc,
                            uint32_t size, uint32_t offset) {
  uint8_t c[CENTRAL_SIZE];
  mxi_zip_local_header(c + 2, name_len, crc, size); /* bytes 6..31 are the local header's 4..29 */
  mxi_wr32(c, SIG_CENTRAL);
  mxi_wr16(c + 4, (3 << 8) | 20);             /* made by: Unix, 2.0 */
  mxi_wr16(c + 30, 0);                        /* extra */
  mxi_wr16(c + 32, 0);                        /* comment */
  mxi_wr16(c + 34, 0);                        /* disk */
  mxi_wr16(c + 36, 0);                        /* internal attributes */
  mxi_wr32(c + 38, 0644u << 16);              /* Unix mode rw-r--r-- */
  mxi_wr32(c + 42, offset);
  mxi_sbuf_put(cd, (const char *)c, CENTRAL_SIZE);
  mxi_sbuf_put(cd, name, name_len);
}

void mxi_zip_end(uint8_t *o, uint16_t count, uint32_t cd_size, uint32_t cd_offset) {
  mxi_wr32(o, SIG_END);
  mxi_wr16(o + 4, 0);
  mxi_wr16(o + 6, 0);
  mxi_wr16(o + 8, count);
  mxi_wr16(o + 10, count);
  mxi_wr32(o + 12, cd_size);
  mxi_wr32(o + 16, cd_offset);
  mxi_wr16(o + 20, 0);
}
