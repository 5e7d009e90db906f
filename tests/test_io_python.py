"""test_io_python.py — mx's file formats against the reference writers and readers: NumPy
(np.save, np.savez, np.savez_compressed), the safetensors package and the gguf package.
Files written in Python are loaded by mx (io_tool dump) and compared byte for byte; files mx
writes (io_tool write) are loaded in Python and compared with arrays built here independently.
Usage: test_io_python.py IO_TOOL WORKDIR. Prints 'N passed, N failed'."""
import json
import os
import struct
import subprocess
import sys

import numpy as np
import safetensors.numpy as stnp
from safetensors import safe_open
import gguf

TOOL, WORK = sys.argv[1], sys.argv[2]
passed = failed = 0

DTYPES = ["bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
          "float16", "bfloat16", "float32", "float64", "complex64"]
NP = {"bfloat16": np.uint16}  # bf16 is carried as its 16-bit patterns on the Python side


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("  FAIL", what)


# ---- the value formula io_tool.c uses (make_values), rebuilt independently ----
def io_values(dt, shape):
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n, dtype=np.int64)
    f = ((i.astype(np.float64) - 2.5) * 0.375).astype(np.float32)
    if dt == "bool":
        v = i % 3 == 0
    elif dt.startswith("uint") or dt.startswith("int"):
        bits = np.dtype(dt).itemsize * 8
        u = [(int(k) * 2654435761 + 12345) % (1 << bits) for k in i]
        v = np.array(u, dtype=np.uint64).astype("u%d" % (bits // 8)).view(dt)
    elif dt == "bfloat16":
        v = (f.view(np.uint32) >> 16).astype(np.uint16)
    elif dt == "complex64":
        v = f.astype(np.complex64) + 1j * (i * 0.5).astype(np.float32)
        v = v.astype(np.complex64)
    else:
        v = f.astype(dt)
    return np.asarray(v).reshape(shape)


def io_set(bf16=True):
    out = {}
    for dt in DTYPES:
        if dt == "bfloat16" and not bf16:
            continue
        out[dt + "_2x3"] = io_values(dt, (2, 3))
        out[dt + "_scalar"] = io_values(dt, ())
        out[dt + "_empty"] = io_values(dt, (0, 4))
        out[dt + "_t"] = io_values(dt, (3, 2)).T
    return out


def c_order(a):
    """A C-contiguous copy that keeps 0-d arrays 0-d (np.ascontiguousarray makes them 1-d)."""
    return np.array(a, order="C", copy=True)


def run(*args):
    r = subprocess.run([TOOL] + list(args), capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def dump(path):
    """What mx loaded: ({name: (dtype, shape, bytes)}, {key: value})."""
    rc, out, err = run("dump", path)
    tensors, meta = {}, {}
    if rc != 0:
        print("  io_tool dump %s failed: %s%s" % (path, out, err))
        return None, None
    for line in out.splitlines():
        parts = line.split(" ")
        if parts[0] == "meta":
            meta[bytes.fromhex(parts[1]).decode()] = bytes.fromhex(parts[2]).decode() if parts[2] != "-" else ""
        elif parts[0] == "tensor":
            name = bytes.fromhex(parts[1]).decode()
            nd = int(parts[3])
            shape = tuple(int(x) for x in parts[4:4 + nd])
            data = b"" if parts[4 + nd] == "-" else bytes.fromhex(parts[4 + nd])
            tensors[name] = (parts[2], shape, data)
    return tensors, meta


def same(got, name, want, dtname=None):
    """got: one dump entry; want: a NumPy array (its C-order bytes are the truth)."""
    if got is None:
        check(False, "%s missing" % name)
        return
    dt, shape, data = got
    want = c_order(want)
    exp_dt = dtname or ("bool" if want.dtype == np.bool_ else str(want.dtype))
    ok = dt == exp_dt and shape == want.shape and data == want.tobytes()
    check(ok, "%s: got %s %s %d bytes, want %s %s %d bytes" % (name, dt, shape, len(data), exp_dt,
                                                              want.shape, want.nbytes))


# ---- Python writes, mx reads ----
def test_npy_from_numpy():
    d = os.path.join(WORK, "np")
    os.makedirs(d, exist_ok=True)
    cases = {}
    for name, a in io_set(bf16=False).items():
        cases[name] = a
    cases["fortran_f32"] = np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    cases["fortran_c64"] = np.asfortranarray((np.arange(6) + 1j * np.arange(6)).astype(np.complex64).reshape(3, 2))
    for be in [">i2", ">u4", ">f4", ">f8", ">i8", ">c8", ">f2"]:
        cases["be" + be[1:]] = (np.arange(7) * 3 - 5).astype(be)
    cases["be_fortran"] = np.asfortranarray(np.arange(12, dtype=">f4").reshape(3, 4))
    cases["vec3"] = np.arange(3, dtype=np.int32)
    for name, a in cases.items():
        p = os.path.join(d, name + ".npy")
        np.save(p, a)
        t, _ = dump(p)
        if t is not None:
            want = a.astype(a.dtype.newbyteorder("=")) if a.dtype.byteorder == ">" else a
            same(t.get("array"), name, want)
    # format versions 2.0 and 3.0
    a = np.arange(10, dtype=np.float64).reshape(2, 5)
    for ver in [(1, 0), (2, 0), (3, 0)]:
        p = os.path.join(d, "v%d.npy" % ver[0])
        with open(p, "wb") as f:
            np.lib.format.write_array(f, a, version=ver)
        t, _ = dump(p)
        if t is not None:
            same(t.get("array"), "version %s" % (ver,), a)
    # bfloat16 as mx writes it: 16-bit patterns with descr '<V2'
    p = os.path.join(d, "bf16.npy")
    bits = io_values("bfloat16", (2, 3))
    np.save(p, bits.view("V2"))
    t, _ = dump(p)
    if t is not None:
        same(t.get("array"), "bf16 V2", bits, "bfloat16")


def test_npz_from_numpy():
    s = io_set(bf16=False)
    for fn, label in [(np.savez, "savez"), (np.savez_compressed, "savez_compressed")]:
        p = os.path.join(WORK, label + ".npz")
        fn(p, **s)
        t, _ = dump(p)
        if t is None:
            check(False, label + " loads")
            continue
        check(sorted(t) == sorted(s), label + ": names")
        for name, a in s.items():
            same(t.get(name), label + ":" + name, a)
    # a large compressible array and positional names (arr_0, arr_1)
    big = np.tile(np.arange(1000, dtype=np.float32), 300)
    rnd = np.random.default_rng(0).standard_normal(5000).astype(np.float32)
    p = os.path.join(WORK, "big.npz")
    np.savez_compressed(p, big, rnd)
    t, _ = dump(p)
    if t is not None:
        same(t.get("arr_0"), "compressed arr_0", big)
        same(t.get("arr_1"), "compressed arr_1", rnd)


def test_safetensors_from_python():
    # safetensors.numpy writes an array's memory as it is, strides ignored: give it C order.
    s = {k: c_order(v) for k, v in io_set(bf16=False).items()}
    p = os.path.join(WORK, "py.safetensors")
    stnp.save_file(s, p, metadata={"format": "np", "k": "v\u00e9\n"})
    t, meta = dump(p)
    if t is None:
        check(False, "safetensors loads")
        return
    check(meta == {"format": "np", "k": "v\u00e9\n"}, "safetensors metadata %r" % meta)
    check(sorted(t) == sorted(s), "safetensors names")
    for name, a in s.items():
        same(t.get(name), "st:" + name, a)


# ---- mx writes, Python reads ----
def test_npy_from_mx():
    d = os.path.join(WORK, "mxnpy")
    os.makedirs(d, exist_ok=True)
    rc, _, err = run("write", "npy", d)
    check(rc == 0, "io_tool write npy: " + err)
    for name, a in io_set().items():
        p = os.path.join(d, name + ".npy")
        got = np.load(p)
        if name.startswith("bfloat16"):
            check(got.dtype == np.dtype("V2") and got.shape == a.shape and got.tobytes() == a.tobytes(),
                  "mx npy %s" % name)
            continue
        check(got.dtype == a.dtype and got.shape == a.shape and np.array_equal(got, a), "mx npy %s" % name)
        # byte for byte what np.save writes
        import io
        b = io.BytesIO()
        np.save(b, c_order(a))
        with open(p, "rb") as f:
            check(f.read() == b.getvalue(), "mx npy %s is byte-identical to np.save" % name)


def test_npz_from_mx():
    p = os.path.join(WORK, "mx.npz")
    rc, _, err = run("write", "npz", p)
    check(rc == 0, "io_tool write npz: " + err)
    with np.load(p) as z:
        s = io_set()
        check(sorted(z.files) == sorted(s), "mx npz names")
        for name, a in s.items():
            got = z[name]
            if name.startswith("bfloat16"):
                got = got.view(np.uint16)
            check(got.shape == a.shape and got.tobytes() == c_order(a).tobytes(), "mx npz " + name)
    import zipfile
    with zipfile.ZipFile(p) as zf:
        check(zf.testzip() is None, "mx npz CRCs check out in zipfile")


def test_safetensors_from_mx():
    p = os.path.join(WORK, "mx.safetensors")
    rc, _, err = run("write", "safetensors", p)
    check(rc == 0, "io_tool write safetensors: " + err)
    s = io_set()
    with safe_open(p, framework="numpy") as f:
        check(f.metadata() == {"format": "mx", "note": "line1\nline2 \"quoted\" \u00e9"}, "mx st metadata")
        check(sorted(f.keys()) == sorted(s), "mx st names")
        for name, a in s.items():
            if name.startswith("bfloat16"):
                continue  # NumPy has no bfloat16; checked from the raw bytes below
            got = f.get_tensor(name)
            check(got.dtype == a.dtype and got.shape == a.shape and np.array_equal(got, a), "mx st " + name)
    raw = open(p, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    hdr = json.loads(raw[8:8 + n])
    for name in [k for k in s if k.startswith("bfloat16")]:
        info = hdr[name]
        b, e = info["data_offsets"]
        check(info["dtype"] == "BF16" and raw[8 + n + b:8 + n + e] == c_order(s[name]).tobytes(),
              "mx st " + name)
    # Without bfloat16, the file matches the reference writer's byte for byte (but metadata order).
    p2 = os.path.join(WORK, "mx_nobf16.safetensors")
    rc, _, err = run("write", "safetensors", p2, "nobf16")
    check(rc == 0, "io_tool write safetensors nobf16: " + err)
    ref = stnp.save({k: c_order(v) for k, v in io_set(bf16=False).items()},
                    metadata={"format": "mx", "note": "line1\nline2 \"quoted\" \u00e9"})
    # The reference keeps metadata in a hash map, so its metadata order varies between runs;
    # everything else (tensor order, offsets, padding, data) must match byte for byte.
    mine = open(p2, "rb").read()
    hm, hr = struct.unpack("<Q", mine[:8])[0], struct.unpack("<Q", ref[:8])[0]
    jm, jr = json.loads(mine[8:8 + hm]), json.loads(ref[8:8 + hr])
    check(hm == hr and jm == jr and list(jm) == list(jr), "mx safetensors header equals the reference's")
    check(mine[8 + hm:] == ref[8 + hr:], "mx safetensors data is byte-identical to the reference's")
    def without_metadata(raw, h, hdr):  # each file's metadata as serialized in its own order
        meta = json.dumps(hdr["__metadata__"], separators=(",", ":"), ensure_ascii=False).encode()
        return raw[8:8 + h].replace(meta, b"", 1)
    check(without_metadata(mine, hm, jm) == without_metadata(ref, hr, jr),
          "mx safetensors header bytes equal the reference's apart from metadata order")


# ---- GGUF: written with the gguf package, dequantized by an independent reference ----
def ref_dequant(raw, qtype, n):
    raw = raw.reshape(-1)
    if qtype == gguf.GGMLQuantizationType.Q8_0:
        blocks = raw.reshape(-1, 34)
        d = blocks[:, :2].copy().view(np.float16).astype(np.float32)
        q = blocks[:, 2:].copy().view(np.int8).astype(np.float32)
        return (q * d).reshape(-1)[:n]
    blocks = raw.reshape(-1, 18)
    d = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.int32) - 8
    hi = (qs >> 4).astype(np.int32) - 8
    q = np.concatenate([lo, hi], axis=1).astype(np.float32)
    return (q * d).reshape(-1)[:n]


def test_gguf():
    p = os.path.join(WORK, "model.gguf")
    w = gguf.GGUFWriter(p, "llama")
    w.add_uint32("test.u32", 7)
    w.add_int32("test.i32", -3)
    w.add_float32("test.f32", 0.25)
    w.add_bool("test.bool", True)
    w.add_string("test.str", "hello \u00e9")
    w.add_array("test.ints", [1, 2, 3])
    w.add_array("test.strs", ["a", "b\"c"])
    w.add_uint64("test.u64", 1 << 40)
    w.add_float64("test.f64", 0.1)
    rng = np.random.default_rng(1)
    f32 = rng.standard_normal((3, 64)).astype(np.float32)
    f16 = rng.standard_normal((2, 32)).astype(np.float16)
    w.add_tensor("f32", f32)
    w.add_tensor("f16", f16)
    quants = {}
    for qt, name in [(gguf.GGMLQuantizationType.Q8_0, "q8"), (gguf.GGMLQuantizationType.Q4_0, "q4")]:
        x = rng.standard_normal((4, 64)).astype(np.float32)
        q = gguf.quants.quantize(x, qt)
        quants[name] = (q, qt, x.shape)
        w.add_tensor(name, q, raw_dtype=qt)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    t, meta = dump(p)
    if t is None:
        check(False, "gguf loads")
        return
    check(meta.get("general.architecture") == "llama", "gguf arch %r" % meta.get("general.architecture"))
    want = {"test.u32": "7", "test.i32": "-3", "test.f32": "0.25", "test.bool": "true",
            "test.str": "hello \u00e9", "test.ints": "[1, 2, 3]", "test.strs": "[\"a\", \"b\\\"c\"]",
            "test.u64": str(1 << 40), "test.f64": "0.1"}
    for k, v in want.items():
        check(meta.get(k) == v, "gguf meta %s = %r, want %r" % (k, meta.get(k), v))
    same(t.get("f32"), "gguf f32", f32)
    same(t.get("f16"), "gguf f16", f16)
    for name, (q, qt, shape) in quants.items():
        ref = ref_dequant(q, qt, int(np.prod(shape))).reshape(shape)
        same(t.get(name), "gguf " + name, ref)
        lib = gguf.quants.dequantize(q, qt).reshape(shape).astype(np.float32)
        check(np.array_equal(ref, lib), "reference dequantization agrees with gguf.quants for " + name)


for test in [test_npy_from_numpy, test_npz_from_numpy, test_safetensors_from_python, test_npy_from_mx,
             test_npz_from_mx, test_safetensors_from_mx, test_gguf]:
    before = failed
    try:
        test()
    except Exception as e:  # a crash in one case is a failure, not the end of the run
        import traceback
        traceback.print_exc()
        check(False, "%s raised %r" % (test.__name__, e))
    print("%s %s" % ("ok  " if failed == before else "FAIL", test.__name__))
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
