/* mx/io.h — model and data files: safetensors (read, memory-mapped, and write), NumPy's .npy and
 * .npz (read and write), GGUF (read; F32, F16, BF16, Q8_0, Q4_0 dequantized on load).
 * Error messages name the function, the file and what was wrong, e.g.
 * "mx_load_safetensors: model.safetensors: header length 9000000000 exceeds the file size 1024".
 * Loaders check every byte they read: a truncated, corrupt or hostile file gives an error, never
 * an out-of-bounds access. Savers write a temporary file and rename it over the target, so a
 * crash while saving never destroys the previous file. */
#ifndef MX_IO_H
#define MX_IO_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mx_named_array {
  const char *name;
  mx_array *array;
} mx_named_array;

/* A set of named arrays (and string metadata) read from a file. The map holds a reference to
 * each array; mx_tensors_get returns it without transferring ownership (mx_retain to keep an
 * array after mx_tensors_free). Arrays share the loaded file's bytes where they can. Loaders
 * open regular files only: a FIFO, device or directory is refused at once, never waited on.
 *
 * Every loader fails the way ops do: it never returns NULL, and what it returns on failure
 * carries the error (the message is also mx_last_error's). mx_load_npy gives an error array; the
 * set loaders give a set whose mx_tensors_error is the message, with no names and whose every
 * array (mx_tensors_get, mx_tensors_at) is that error array, so a model built from it evaluates
 * to the load's error. Free it like any set. */
typedef struct mx_tensors mx_tensors;

/* NULL for a set that loaded; the load's error message otherwise ("NULL tensors" for NULL). */
const char *mx_tensors_error(const mx_tensors *t);

int mx_tensors_count(const mx_tensors *t);
const char *mx_tensors_name(const mx_tensors *t, int i);
mx_array *mx_tensors_at(const mx_tensors *t, int i);
mx_array *mx_tensors_get(const mx_tensors *t, const char *name); /* NULL if absent */
int mx_tensors_metadata_count(const mx_tensors *t);
const char *mx_tensors_metadata_key(const mx_tensors *t, int i);
const char *mx_tensors_metadata(const mx_tensors *t, const char *key); /* NULL if absent */
void mx_tensors_free(mx_tensors *t);

/* safetensors (https://github.com/huggingface/safetensors): every mx dtype (complex64 as "C64",
 * which the reference defines since 0.4). Metadata: n_meta key/value string pairs (may be 0);
 * names and metadata must be valid UTF-8. The file is laid out byte for byte as the reference
 * writer does (tensors ordered by dtype width then name, so each is aligned to its element size;
 * header padded to a multiple of 8). Arrays are evaluated one at a time while writing. */
mx_status mx_save_safetensors(const char *path, int n, const mx_named_array *arrays, int n_meta,
                              const char *const *keys, const char *const *values);
/* The file is read into memory once (as numpy.load and
 * safetensors' load_file do): tensors whose data is aligned to their element size share that
 * copy (zero copy), others are copied; it lives until the last array using it is released, and
 * nothing done to the file afterwards affects the arrays. The header is checked strictly: sizes
 * must match shape x dtype and the tensors must cover the data section exactly. */
mx_tensors *mx_load_safetensors(const char *path);
/* The same, but the arrays share a read-only private memory mapping of the file instead of a
 * copy: no read up front and pages shared between processes, at a price (docs/files.md): the
 * file must not be truncated or rewritten in place while any of its arrays lives (a truncated
 * file kills the process with SIGBUS on access; bytes rewritten in place may show through).
 * Replacing it by rename, as every mx save does, is safe. */
mx_tensors *mx_load_safetensors_mapped(const char *path);

/* NumPy .npy (format 1.0-3.0; C or Fortran order; little or big endian on read). Dtypes: |b1,
 * u1-u8, i1-i8, f2, f4, f8, c8; bfloat16 is written as '<V2' (NumPy has no bfloat16 and loads it
 * as 2-byte void) and '<V2'/'|V2' read back as bfloat16. Bytes after the data are ignored, as
 * NumPy does. Writing matches numpy.save byte for byte. */
mx_status mx_save_npy(const char *path, mx_array *a);
mx_array *mx_load_npy(const char *path); /* an error array on failure */

/* NumPy .npz: a zip of .npy files, as numpy.savez writes (stored) and numpy.savez_compressed
 * writes (deflate; read only, with mx's own inflate). Member "x.npy" is array "x"; CRC-32s are
 * checked. No zip64: at most 65534 arrays and 4 GiB, larger archives are refused cleanly. */
mx_status mx_save_npz(const char *path, int n, const mx_named_array *arrays);
mx_tensors *mx_load_npz(const char *path);

/* GGUF v2/v3 (llama.cpp): tensors of type F32, F16, BF16, Q8_0 and Q4_0 (the quantized ones
 * dequantized to float32 exactly as ggml does), also F64, I8, I16, I32, I64; other types give an
 * error naming the type. Metadata values are converted to strings: numbers in decimal (floats
 * shortest round-trip), bools true/false, strings as they are, arrays as [1, 2] with strings
 * quoted inside ("[\"a\", \"b\"]"). Dimensions are reported in NumPy order (GGUF stores the
 * fastest-varying first). Little-endian files only. */
mx_tensors *mx_load_gguf(const char *path);
/* The same over a memory mapping of the file, with mx_load_safetensors_mapped's caveats. */
mx_tensors *mx_load_gguf_mapped(const char *path);

#ifdef __cplusplus
}
#endif
#endif
