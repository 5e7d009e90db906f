"""NumPy's side of the CPU benchmarks, run beside bench_cpu_ops (same work, same machine).

Usage: python3 bench/cpu_ops.py BUILD_DIR   -> prints a table: op, mx, NumPy, NumPy/mx, target.
"""
import os
import platform
import subprocess
import sys

import numpy as np

from timing import median_time


def numpy_times():
    rng = np.random.default_rng(0)
    n = 1 << 24
    a = rng.standard_normal(n, dtype=np.float32)
    b = rng.standard_normal(n, dtype=np.float32)
    out = {}
    out["add_16M"] = median_time(lambda: a + b, 15)
    out["exp_16M"] = median_time(lambda: np.exp(a), 15)
    out["sum_16M"] = median_time(lambda: a.sum(), 15)
    x = rng.standard_normal((4096, 4096), dtype=np.float32)

    def softmax():
        e = np.exp(x - x.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    out["softmax_4096x4096"] = median_time(softmax, 15)
    for sz in (512, 1024, 2048):
        p = rng.standard_normal((sz, sz), dtype=np.float32)
        q = rng.standard_normal((sz, sz), dtype=np.float32)
        out[f"matmul_{sz}"] = median_time(lambda: p @ q, 5 if sz == 2048 else 11)
    x16 = rng.standard_normal(16, dtype=np.float32)
    y16 = rng.standard_normal(16, dtype=np.float32)

    def tiny():
        for _ in range(10000):
            x16 + y16

    out["tiny_add_16"] = median_time(tiny, 7) / 10000
    return out


TARGETS = {  # NumPy time / mx time must be at least this (issue 2)
    "add_16M": 1.0, "exp_16M": 2.0, "sum_16M": 1.0, "softmax_4096x4096": 3.0,
    "matmul_512": 0.95, "matmul_1024": 0.95, "matmul_2048": 0.95,
}


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    exe = os.path.join(build, "bench", "bench_cpu_ops")
    res = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    mx = {line.split()[0]: float(line.split()[1]) for line in res.splitlines() if line.strip()}
    npt = numpy_times()
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    print(f"CPU: {cpu}, {os.cpu_count()} cores; NumPy {np.__version__}")
    print(f"{'benchmark':<20}{'mx':>12}{'NumPy':>12}{'NumPy/mx':>10}{'target':>8}  ok")
    for k, t in mx.items():
        n = npt.get(k)
        ratio = n / t if n else float("nan")
        if k == "tiny_add_16":
            print(f"{k:<20}{t*1e6:>10.3f}us{n*1e6:>10.3f}us{ratio:>10.2f}{'<=1us':>8}  {'yes' if t <= 1e-6 else 'NO'}")
            continue
        tgt = TARGETS.get(k)
        ok = "yes" if tgt is None or ratio >= tgt else "NO"
        print(f"{k:<20}{t*1e3:>10.3f}ms{n*1e3:>10.3f}ms{ratio:>10.2f}{tgt if tgt else '':>8}  {ok}")


if __name__ == "__main__":
    main()
