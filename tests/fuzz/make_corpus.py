"""make_corpus.py — writes the fuzzers' seed corpora (small valid files) into corpus/<format>/.
Run once by hand when the seeds should change (needs numpy, safetensors, gguf); the seeds are
committed. Names avoid the .safetensors extension, which .gitignore hides."""
import io
import os

import numpy as np
import safetensors.numpy as stnp
import gguf

here = os.path.dirname(os.path.abspath(__file__))


def put(fmt, name, data):
    d = os.path.join(here, "corpus", fmt)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy_bytes(a, version=None):
    b = io.BytesIO()
    if version:
        np.lib.format.write_array(b, a, version=version)
    else:
        np.save(b, a)
    return b.getvalue()


# safetensors
put("safetensors", "seed_two.bin", stnp.save({"w": np.arange(6, dtype=np.float32).reshape(2, 3),
                                               "b": np.array([1, 2], dtype=np.int8)},
                                              metadata={"format": "pt", "k": "v"}))
put("safetensors", "seed_empty.bin", stnp.save({}))
put("safetensors", "seed_shapes.bin", stnp.save({"s": np.array(3.5, dtype=np.float64),
                                                  "z": np.zeros((0, 3), np.float16),
                                                  "u": np.array([7], np.uint64),
                                                  "c": np.array([1 + 2j], np.complex64)}))
# npy
put("npy", "seed_f4.npy", npy_bytes(np.arange(6, dtype="<f4").reshape(2, 3)))
put("npy", "seed_be_fortran.npy", npy_bytes(np.asfortranarray(np.arange(6, dtype=">i8").reshape(2, 3))))
put("npy", "seed_bool0d.npy", npy_bytes(np.array(True)))
put("npy", "seed_v2.npy", npy_bytes(np.arange(3, dtype="<u2"), (2, 0)))
put("npy", "seed_v3.npy", npy_bytes(np.arange(4, dtype="<c8"), (3, 0)))
put("npy", "seed_bf16.npy", npy_bytes(np.arange(4, dtype=np.uint16).view("V2")))
put("npy", "seed_empty.npy", npy_bytes(np.zeros((0, 2), "<f2")))
# npz: stored and deflated (fixed and dynamic Huffman blocks)
b = io.BytesIO()
np.savez(b, a=np.arange(4, dtype=np.int32), b=np.array(1.5))
put("npz", "seed_stored.npz", b.getvalue())
b = io.BytesIO()
np.savez_compressed(b, x=np.tile(np.arange(50, dtype=np.uint8), 8), y=np.array([1.0], np.float32))
put("npz", "seed_deflate.npz", b.getvalue())
b = io.BytesIO()  # a member long and varied enough for dynamic Huffman blocks
np.savez_compressed(b, d=np.random.default_rng(0).integers(0, 16, 1500).astype(np.uint8))
put("npz", "seed_dynamic.npz", b.getvalue())
# gguf: every metadata value type, the supported tensor types, a custom alignment
p = os.path.join(here, "corpus", "gguf", "seed_model.gguf")
os.makedirs(os.path.dirname(p), exist_ok=True)
w = gguf.GGUFWriter(p, "llama")
w.add_uint32("general.alignment", 64)
w.add_uint8("t.u8", 1)
w.add_int8("t.i8", -1)
w.add_uint16("t.u16", 2)
w.add_int16("t.i16", -2)
w.add_int32("t.i32", -3)
w.add_float32("t.f32", 0.5)
w.add_bool("t.bool", False)
w.add_uint64("t.u64", 5)
w.add_int64("t.i64", -5)
w.add_float64("t.f64", 0.25)
w.add_array("t.arr", [1, 2])
w.add_array("t.strs", ["x", "y"])
rng = np.random.default_rng(0)
w.add_tensor("f32", rng.standard_normal((2, 32)).astype(np.float32))
w.add_tensor("f16", rng.standard_normal((32,)).astype(np.float16))
for qt, name in [(gguf.GGMLQuantizationType.Q8_0, "q8"), (gguf.GGMLQuantizationType.Q4_0, "q4")]:
    w.add_tensor(name, gguf.quants.quantize(rng.standard_normal((1, 32)).astype(np.float32), qt), raw_dtype=qt)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
