"""Wall-clock timing shared by the peers' side of the CPU benchmarks (bench/*.py)."""
import time


def median_time(fn, reps, warm=2):
    """Median seconds of reps calls of fn after warm calls (mean of the middle two for even reps)."""
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[reps // 2] if reps % 2 else 0.5 * (ts[reps // 2 - 1] + ts[reps // 2])
