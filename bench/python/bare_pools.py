"""Bare concurrent.futures references for `npm run bench`.

  dispatch --pool thread|process --k K --duration S --warmup S
      Empty tasks through a raw ThreadPoolExecutor/ProcessPoolExecutor, driven by the
      same closed loop as the profiler's harness (K in flight, a done-callback queue,
      the main thread resubmitting), with nothing measured but two clock reads per task.
  classic --threads N --tasks M --seconds S
      The textbook case: M x time.sleep(S) mapped over ThreadPoolExecutor(N).

Prints one JSON object on stdout. Standard library only.
"""
import argparse
import concurrent.futures
import json
import multiprocessing
import os
import queue
import sys
import time

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "python")
sys.path.insert(0, os.path.normpath(FIXTURES))

from empty import empty  # noqa: E402  (a module, so process workers can unpickle it)
from sleepy import sleep_for  # noqa: E402


def start_method():
    # The same choice as the profiler's harness, so process pools start alike.
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "forkserver" in methods:
        return "forkserver"
    return "spawn"


def dispatch(pool_kind, k, duration, warmup):
    if pool_kind == "thread":
        pool = concurrent.futures.ThreadPoolExecutor(k)
    else:
        pool = concurrent.futures.ProcessPoolExecutor(k, mp_context=multiprocessing.get_context(start_method()))
    try:
        # Start every worker before the window opens.
        for f in [pool.submit(empty) for _ in range(4 * k)]:
            f.result()
        done = queue.Queue()
        origin = time.perf_counter()
        starts = {}
        counted_starts = []
        ends = []
        next_index = [0]

        def submit():
            i = next_index[0]
            next_index[0] += 1
            starts[i] = time.perf_counter()
            fut = pool.submit(empty)
            fut.index = i
            fut.add_done_callback(done.put)

        running = 0
        for _ in range(k):
            submit()
            running += 1
        while running:
            fut = done.get()
            running -= 1
            fut.result()
            end = time.perf_counter()
            start = starts.pop(fut.index)
            if start - origin >= warmup:
                counted_starts.append(start)
                ends.append(end)
            if end - origin < duration:
                submit()
                running += 1
        n = len(ends)
        span = (max(ends) - min(counted_starts)) if n else 0.0
        return {"pool": pool_kind, "k": k, "tasks": n, "usPerTask": span * 1e6 / n if n else None, "startMethod": start_method()}
    finally:
        pool.shutdown(wait=True)


def classic(threads, tasks, seconds):
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(sleep_for, [seconds] * tasks))
    return {"threads": threads, "tasks": tasks, "seconds": seconds, "wallMs": (time.perf_counter() - t0) * 1000}


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dispatch")
    d.add_argument("--pool", choices=["thread", "process"], required=True)
    d.add_argument("--k", type=int, default=2)
    d.add_argument("--duration", type=float, default=2.0)
    d.add_argument("--warmup", type=float, default=0.2)
    c = sub.add_parser("classic")
    c.add_argument("--threads", type=int, default=50)
    c.add_argument("--tasks", type=int, default=200)
    c.add_argument("--seconds", type=float, default=1.0)
    a = ap.parse_args()
    if a.cmd == "dispatch":
        out = dispatch(a.pool, a.k, a.duration, a.warmup)
    else:
        out = classic(a.threads, a.tasks, a.seconds)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
