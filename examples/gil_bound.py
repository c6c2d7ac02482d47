"""CPU work in pure Python: the GIL lets only one thread run bytecode at a time.

Threads give no speedup here; a ProcessPoolExecutor runs one interpreter per core and
does. Profile count_primes to see it measured: CPU-bound, GIL held, processes
recommended.

    python examples/gil_bound.py
"""
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


# @workload args=[50000] budget=10
def count_primes(limit):
    count = 0
    for n in range(2, limit):
        d = 2
        while d * d <= n:
            if n % d == 0:
                break
            d += 1
        else:
            count += 1
    return count


if __name__ == "__main__":
    jobs = [50000] * 8
    for name, pool_type in (("threads", ThreadPoolExecutor), ("processes", ProcessPoolExecutor)):
        started = time.perf_counter()
        with pool_type(4) as pool:
            list(pool.map(count_primes, jobs))
        print(f"{name:9} x4: {time.perf_counter() - started:.2f} s")
