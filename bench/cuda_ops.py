"""PyTorch's side of the GPU benchmarks, run beside bench_cuda_ops (same work, same GPU, same run).

Usage: python3 bench/cuda_ops.py BUILD_DIR
Prints a table: op, mx, PyTorch, PyTorch/mx (above 1: mx is faster), and the achieved rate (TB/s of
the minimal memory traffic for memory-bound ops, TFLOP/s for matmuls). PyTorch is timed with CUDA
events around the op after warm-up, median of repeats; mx with wall-clock around build + mx_eval
(which waits for the GPU), so mx's figure includes its launch overhead.
"""
import os
import subprocess
import sys

try:
    import torch
except ImportError:  # mx's figures are still worth printing
    torch = None

# name -> (bytes moved at minimum, flops) for the rate column
N28 = 1 << 28
ROWS, COLS = 16384, 4096
WORK = {
    "add_2^28": (3 * 4 * N28, 0),
    "gelu_2^28": (2 * 4 * N28, 0),
    "sum_16384x4096": (4 * ROWS * COLS, 0),
    "softmax_16384x4096": (2 * 4 * ROWS * COLS, 0),
    "layer_norm_16384x4096": (2 * 4 * ROWS * COLS, 0),
    "matmul_8192_bf16": (0, 2 * 8192**3),
    "matmul_4096_tf32": (0, 2 * 4096**3),
}


def cuda_time(fn, reps):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b) / 1e3)
    ts.sort()
    return ts[len(ts) // 2] if reps % 2 else 0.5 * (ts[reps // 2 - 1] + ts[reps // 2])


def torch_times():
    dev = torch.device("cuda")
    g = torch.Generator(device=dev).manual_seed(0)
    out = {}
    a = torch.randn(N28, device=dev, generator=g)
    b = torch.randn(N28, device=dev, generator=g)
    out["add_2^28"] = cuda_time(lambda: a + b, 15)
    out["gelu_2^28"] = cuda_time(lambda: torch.nn.functional.gelu(a), 15)
    del a, b
    x = torch.randn(ROWS, COLS, device=dev, generator=g)
    w = torch.randn(COLS, device=dev, generator=g)
    bias = torch.randn(COLS, device=dev, generator=g)
    out["sum_16384x4096"] = cuda_time(lambda: x.sum(-1), 15)
    out["softmax_16384x4096"] = cuda_time(lambda: torch.softmax(x, -1), 15)
    out["layer_norm_16384x4096"] = cuda_time(
        lambda: torch.nn.functional.layer_norm(x, (COLS,), w, bias, 1e-5), 15)
    del x
    p = torch.randn(8192, 8192, device=dev, generator=g).bfloat16()
    q = torch.randn(8192, 8192, device=dev, generator=g).bfloat16()
    out["matmul_8192_bf16"] = cuda_time(lambda: p @ q, 9)
    del p, q
    torch.backends.cuda.matmul.allow_tf32 = True
    p = torch.randn(4096, 4096, device=dev, generator=g)
    q = torch.randn(4096, 4096, device=dev, generator=g)
    out["matmul_4096_tf32"] = cuda_time(lambda: p @ q, 9)
    x0 = torch.randn(16, device=dev, generator=g)
    c1 = torch.full((16,), 1.0001, device=dev)
    c2 = torch.full((16,), 1e-4, device=dev)

    def chain():
        y = x0
        for _ in range(500):
            y = y * c1 + c2
        return y

    out["tiny_chain_1000"] = cuda_time(chain, 9) / 1000
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    exe = os.path.join(build, "bench", "bench_cuda_ops")
    env = dict(os.environ, MX_CUDA_TF32="1")  # the tf32 row; TF32 is otherwise off in mx
    res = subprocess.run([exe], capture_output=True, text=True, check=True, env=env).stdout
    mx = {}
    for line in res.splitlines():
        if line.startswith("#"):
            print(line[2:])
        elif line.strip():
            k, v = line.split()
            mx[k] = float(v)
    if not mx:
        print("no mx figures (no GPU?)")
        return
    if torch is not None and torch.cuda.is_available():
        pt = torch_times()
        print(f"PyTorch {torch.__version__} on {torch.cuda.get_device_name()}")
    else:
        pt = {}
        print("PyTorch with CUDA is not available: mx's figures only")
    print(f"{'benchmark':<24}{'mx':>12}{'PyTorch':>12}{'PT/mx':>8}{'mx rate':>14}{'PT rate':>14}")
    for k, t in mx.items():
        p = pt.get(k, float("nan"))
        ratio = p / t
        if k == "tiny_chain_1000":
            print(f"{k:<24}{t*1e6:>10.2f}us{p*1e6:>10.2f}us{ratio:>8.2f}{'per op':>14}{'per op':>14}")
            continue
        nbytes, flops = WORK[k]
        if flops:
            rm, rp = f"{flops / t / 1e12:.1f} TFLOP/s", f"{flops / p / 1e12:.1f} TFLOP/s"
        else:
            rm, rp = f"{nbytes / t / 1e12:.2f} TB/s", f"{nbytes / p / 1e12:.2f} TB/s"
        print(f"{k:<24}{t*1e3:>10.3f}ms{p*1e3:>10.3f}ms{ratio:>8.2f}{rm:>14}{rp:>14}")


if __name__ == "__main__":
    main()
