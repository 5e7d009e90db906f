# softmax_numpy.py — NumPy's peer figure for bench/softmax_cpu.c: row softmax of a 4096 x 4096
# float32 matrix written the way a NumPy user writes it; best of 15, wall and process CPU time.
# Run: python3 bench/softmax_numpy.py
import time

import numpy as np

rng = np.random.default_rng(1)
x = rng.uniform(-5, 5, size=(4096, 4096)).astype(np.float32)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


wall = cpu = 1e9
for _ in range(15):
    w0, c0 = time.perf_counter(), time.process_time()
    softmax(x)
    wall = min(wall, time.perf_counter() - w0)
    cpu = min(cpu, time.process_time() - c0)
print("numpy %s softmax 4096x4096 float32: best of 15 %.2f ms wall, %.2f ms cpu"
      % (np.__version__, wall * 1e3, cpu * 1e3))
