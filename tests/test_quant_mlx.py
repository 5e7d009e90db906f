"""test_quant_mlx.py — files quantized by MLX itself (PyPI mlx[cpu]) checked by mx: MLX writes
weights, its quantize output, dequantize output and quantized_matmul results (both transpose
forms) to a safetensors file with its own writer; quant_mlx_check (C) quantizes the same weights
and must reproduce MLX's packed words, scales and biases byte for byte, and its dequantized
matrix and products within float32 rounding. Usage: test_quant_mlx.py CHECK_TOOL WORKDIR"""
import os
import subprocess
import sys

import mlx.core as mx

tool, work = sys.argv[1], sys.argv[2]
mx.random.seed(7)
arrays = {}
cases = []
for dt in (mx.float32, mx.float16, mx.bfloat16):
    for bits in (2, 3, 4, 5, 6, 8):
        for gs in (32, 64, 128):
            name = f"{str(dt).split('.')[-1]}_b{bits}_g{gs}"
            w = (mx.random.normal((12, 2 * gs)) * 0.05).astype(dt)
            # an all-equal group and a zero group: MLX's edge cases
            w[1, :gs] = 0.25
            w[2, gs:] = 0
            q, s, b = mx.quantize(w, group_size=gs, bits=bits)
            x = mx.random.normal((3, 2 * gs)).astype(dt)
            yt = mx.quantized_matmul(x, q, s, b, transpose=True, group_size=gs, bits=bits)
            x2 = mx.random.normal((2, 12)).astype(dt)
            yn = mx.quantized_matmul(x2, q, s, b, transpose=False, group_size=gs, bits=bits)
            d = mx.dequantize(q, s, b, group_size=gs, bits=bits)
            for k, v in dict(w=w, q=q, s=s, b=b, x=x, yt=yt, x2=x2, yn=yn, d=d).items():
                arrays[f"{name}.{k}"] = v
            cases.append(f"{name} {bits} {gs}")
path = os.path.join(work, "mlx_quant.safetensors")
mx.save_safetensors(path, arrays)
with open(os.path.join(work, "cases.txt"), "w") as f:
    f.write("\n".join(cases) + "\n")
r = subprocess.run([tool, path, os.path.join(work, "cases.txt")])
sys.exit(r.returncode)
