"""PyTorch's side of the training-step benchmark, run beside bench_train_mlp (same model, batch,
loss and optimizer, same machine, same run): eager and torch.compile.

Usage: python3 bench/train_mlp.py BUILD_DIR   -> prints a table.
"""
import os
import subprocess
import sys

import torch
import torch.nn.functional as F

from timing import median_time


def torch_step_time(compile_model):
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.randn(64, 512)
    y = torch.randint(0, 10, (64,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    if compile_model:
        step = torch.compile(step)
    return median_time(step, 50, warm=10 if compile_model else 5)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    out = subprocess.run([os.path.join(build, "bench", "bench_train_mlp")], capture_output=True,
                         text=True, check=True).stdout
    mx = {l.split()[0]: float(l.split()[1]) for l in out.splitlines() if l.strip()}
    torch.set_num_threads(os.cpu_count())
    eager = torch_step_time(False)
    try:
        compiled = torch_step_time(True)
    except Exception as e:  # torch.compile needs a C++ compiler and may fail on some setups
        print(f"torch.compile unavailable: {type(e).__name__}: {str(e).splitlines()[0][:100]}")
        compiled = float("nan")
    t = mx["train_step_mlp"]
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'benchmark':<34}{'mx':>11}{'PyTorch':>11}{'PyTorch/mx':>12}{'target':>8}")
    print(f"{'train step MLP 4x512, batch 64':<34}{t*1e3:>9.3f}ms{eager*1e3:>9.3f}ms{eager/t:>12.2f}{'1.0':>8}")
    print(f"{'  vs torch.compile':<34}{t*1e3:>9.3f}ms{compiled*1e3:>9.3f}ms{compiled/t:>12.2f}")
    print(f"grad graph build: {mx['grad_graph_per_forward_node']*1e6:.2f} us per forward node "
          f"({int(mx['forward_nodes'])} forward nodes)")


if __name__ == "__main__":
    main()
