/* inflate.c — a small RFC 1951 (deflate) decoder for numpy.savez_compressed members, after Mark
 * Adler's puff.c: canonical Huffman codes (a 9-bit lookup table for the common short codes, bit
 * by bit for the rest), every input read and output write bounds-checked, output exactly the size
 * the zip directory promises. No dependency on zlib, so deploy targets need nothing extra. */
#include "io_internal.h"

#define MAXBITS 15
#define MAXLCODES 286
#define MAXDCODES 30
#define FIXLCODES 288
#define FAST_BITS 9

typedef struct inf {
  const uint8_t *in;
  size_t in_size, in_pos;
  uint32_t bitbuf;
  int bitcnt;
  uint8_t *out;
  size_t out_size, out_pos;
  const char *err;
} inf;

typedef struct huff {
  short count[MAXBITS + 1]; /* codes of each length */
  short symbol[FIXLCODES];  /* symbols ordered by code */
  /* the next FAST_BITS input bits -> symbol | length << 12 for codes of up to FAST_BITS bits;
   * 0 where a longer code starts (decoded bit by bit) */
  uint16_t fast[1 << FAST_BITS];
} huff;

/* need bits from the stream, LSB first; 0 and err set when the input runs out. */
static uint32_t bits(inf *s, int need) {
  uint32_t val = s->bitbuf;
  while (s->bitcnt < need) {
    if (s->in_pos >= s->in_size) {
      s->err = "compressed data ends early";
      return 0;
    }
    val |= (uint32_t)s->in[s->in_pos++] << s->bitcnt;
    s->bitcnt += 8;
  }
  s->bitbuf = val >> need;
  s->bitcnt -= need;
  return val & ((1u << need) - 1u);
}

static void stored(inf *s) {
  /* A stored block starts on a byte boundary: drop the partial byte, give back whole bytes the
   * decoder had read ahead. */
  s->in_pos -= (size_t)(s->bitcnt / 8);
  s->bitbuf = 0;
  s->bitcnt = 0;
  if (s->in_size - s->in_pos < 4) {
    s->err = "compressed data ends early";
    return;
  }
  unsigned len = mxi_rd16(s->in + s->in_pos), nlen = mxi_rd16(s->in + s->in_pos + 2);
  s->in_pos += 4;
  if (len != (~nlen & 0xffffu)) {
    s->err = "stored block length check failed";
    return;
  }
  if (s->in_size - s->in_pos < len) {
    s->err = "compressed data ends early";
    return;
  }
  if (s->out_size - s->out_pos < len) {
    s->err = "decompressed data is larger than the directory says";
    return;
  }
  memcpy(s->out + s->out_pos, s->in + s->in_pos, len);
  s->in_pos += len;
  s->out_pos += len;
}

static int decode(inf *s, const huff *h) {
  while (s->bitcnt <= 24 && s->in_pos < s->in_size) { /* read ahead for the table lookup */
    s->bitbuf |= (uint32_t)s->in[s->in_pos++] << s->bitcnt;
    s->bitcnt += 8;
  }
  if (s->bitcnt >= FAST_BITS) {
    unsigned e = h->fast[s->bitbuf & ((1u << FAST_BITS) - 1)];
    if (e) {
      s->bitbuf >>= e >> 12;
      s->bitcnt -= (int)(e >> 12);
      return (int)(e & 0xfffu);
    }
  }
  int code = 0, first = 0, index = 0;
  for (int len = 1; len <= MAXBITS; len++) {
    code |= (int)bits(s, 1);
    if (s->err) return -1;
    int count = h->count[len];
    if (code - count < first) return h->symbol[index + (code - first)];
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  s->err = "invalid Huffman code";
  return -1;
}

/* Builds a canonical code from lengths. Returns 0 for a complete code, > 0 for an incomplete
 * one, < 0 for an over-subscribed one. (An incomplete code is allowed only when it is a single
 * code of length 1, as in puff and zlib.) */
static int construct(huff *h, const short *length, int n) {
  memset(h->fast, 0, sizeof h->fast);
  for (int len = 0; len <= MAXBITS; len++) h->count[len] = 0;
  for (int i = 0; i < n; i++) h->count[length[i]]++;
  if (h->count[0] == n) return 0; /* no codes: complete, but decoding will fail */
  int left = 1;
  for (int len = 1; len <= MAXBITS; len++) {
    left <<= 1;
    left -= h->count[len];
    if (left < 0) return left;
  }
  short offs[MAXBITS + 1];
  offs[1] = 0;
  for (int len = 1; len < MAXBITS; len++) offs[len + 1] = (short)(offs[len] + h->count[len]);
  for (int i = 0; i < n; i++)
    if (length[i]) h->symbol[offs[length[i]]++] = (short)i;
  /* The table: codes are sent most significant bit first, so index by the reversed code. */
  int code = 0, index = 0;
  for (int len = 1; len <= FAST_BITS; len++) {
    for (int i = 0; i < h->count[len]; i++, code++) {
      unsigned rev = 0;
      for (int b = 0; b < len; b++) rev |= (unsigned)((code >> b) & 1) << (len - 1 - b);
      for (unsigned k = rev; k < (1u << FAST_BITS); k += 1u << len)
        h->fast[k] = (uint16_t)(h->symbol[index + i] | len << 12);
    }
    index += h->count[len];
    code <<= 1;
  }
  return left;
}

static void codes(inf *s, const huff *lencode, const huff *distcode) {
  static const short lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                  31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
  static const short lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
  static const short dbase[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,
                                  33,  49,  65,  97,  129, 193,  257,  385,  513,  769,
                                  1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
  static const short dext[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
  for (;;) {
    int sym = decode(s, lencode);
    if (sym < 0) return;
    if (sym < 256) {
      if (s->out_pos == s->out_size) {
        s->err = "decompressed data is larger than the directory says";
        return;
      }
      s->out[s->out_pos++] = (uint8_t)sym;
      continue;
    }
    if (sym == 256) return;
    sym -= 257;
    if (sym >= 29) {
      s->err = "invalid length symbol";
      return;
    }
    size_t len = (size_t)lbase[sym] + bits(s, lext[sym]);
    int dsym = decode(s, distcode);
    if (s->err) return;
    if (dsym >= 30) {
      s->err = "invalid distance symbol";
      return;
    }
    size_t dist = (size_t)dbase[dsym] + bits(s, dext[dsym]);
    if (s->err) return;
    if (dist > s->out_pos) {
      s->err = "distance too far back";
      return;
    }
    if (s->out_size - s->out_pos < len) {
      s->err = "decompressed data is larger than the directory says";
      return;
    }
    uint8_t *o = s->out + s->out_pos;
    for (size_t i = 0; i < len; i++) o[i] = o[(ptrdiff_t)i - (ptrdiff_t)dist]; /* may overlap */
    s->out_pos += len;
  }
}

static void fixed(inf *s) {
  huff lencode, distcode;
  short lengths[FIXLCODES];
  int sym = 0;
  for (; sym < 144; sym++) lengths[sym] = 8;
  for (; sym < 256; sym++) lengths[sym] = 9;
  for (; sym < 280; sym++) lengths[sym] = 7;
  for (; sym < FIXLCODES; sym++) lengths[sym] = 8;
  construct(&lencode, lengths, FIXLCODES);
  for (sym = 0; sym < MAXDCODES; sym++) lengths[sym] = 5;
  construct(&distcode, lengths, MAXDCODES);
  codes(s, &lencode, &distcode);
}

static void dynamic(inf *s) {
  static const short order[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
  short lengths[MAXLCODES + MAXDCODES];
  huff lencode, distcode;
  int nlen = (int)bits(s, 5) + 257, ndist = (int)bits(s, 5) + 1, ncode = (int)bits(s, 4) + 4;
  if (s->err) return;
  if (nlen > MAXLCODES || ndist > MAXDCODES) {
    s->err = "too many length or distance codes";
    return;
  }
  int index = 0;
  for (; index < ncode; index++) lengths[order[index]] = (short)bits(s, 3);
  for (; index < 19; index++) lengths[order[index]] = 0;
  if (s->err) return;
  if (construct(&lencode, lengths, 19) != 0) {
    s->err = "incomplete code-length code";
    return;
  }
  for (index = 0; index < nlen + ndist;) {
    int sym = decode(s, &lencode);
    if (sym < 0) return;
    if (sym < 16) {
      lengths[index++] = (short)sym;
      continue;
    }
    short len = 0;
    int rep;
    if (sym == 16) {
      if (index == 0) {
        s->err = "repeat with no previous length";
        return;
      }
      len = lengths[index - 1];
      rep = 3 + (int)bits(s, 2);
    } else if (sym == 17) {
      rep = 3 + (int)bits(s, 3);
    } else {
      rep = 11 + (int)bits(s, 7);
    }
    if (s->err) return;
    if (index + rep > nlen + ndist) {
      s->err = "too many code lengths";
      return;
    }
    while (rep--) lengths[index++] = len;
  }
  if (lengths[256] == 0) {
    s->err = "no end-of-block code";
    return;
  }
  int err = construct(&lencode, lengths, nlen);
  if (err < 0 || (err > 0 && nlen != lencode.count[0] + lencode.count[1])) {
    s->err = "invalid literal/length code";
    return;
  }
  err = construct(&distcode, lengths + nlen, ndist);
  if (err < 0 || (err > 0 && ndist != distcode.count[0] + distcode.count[1])) {
    s->err = "invalid distance code";
    return;
  }
  codes(s, &lencode, &distcode);
}

const char *mxi_inflate(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size) {
  inf s = {.in = in, .in_size = in_size, .out = out, .out_size = out_size};
  int last;
  do {
    last = (int)bits(&s, 1);
    int type = (int)bits(&s, 2);
    if (s.err) return s.err;
    if (type == 0) stored(&s);
    else if (type == 1) fixed(&s);
    else if (type == 2) dynamic(&s);
    else s.err = "invalid block type";
    if (s.err) return s.err;
  } while (!last);
  if (s.out_pos != out_size) return "decompressed data is shorter than the directory says";
  return NULL;
}
