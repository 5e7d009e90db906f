"""PyTorch's side of the CNN training-step benchmark, beside bench_train_cnn (the demo's
Fashion-MNIST CNN, batch 64, cross entropy, Adam), same machine, same run; eager and compiled.

Usage: python3 bench/train_cnn.py BUILD_DIR   -> prints a table row.
"""
import os
import subprocess
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from timing import median_time


def step_time(compile_model):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    if compile_model:
        step = torch.compile(step)
    return median_time(step, 30, 10 if compile_model else 5)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    out = subprocess.run([os.path.join(build, "bench", "bench_train_cnn")], capture_output=True,
                         text=True, check=True).stdout
    t = float(out.split()[1])
    torch.set_num_threads(os.cpu_count())
    eager = step_time(False)
    try:
        compiled = step_time(True)
    except Exception as e:
        print(f"torch.compile unavailable: {type(e).__name__}")
        compiled = float("nan")
    print(f"{'train step CNN (demo), batch 64':<34}{t*1e3:>9.3f}ms{eager*1e3:>9.3f}ms{eager/t:>12.2f}{'1.0':>8}")
    print(f"{'  vs torch.compile':<34}{t*1e3:>9.3f}ms{compiled*1e3:>9.3f}ms{compiled/t:>12.2f}")


if __name__ == "__main__":
    main()
