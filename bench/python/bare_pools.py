"""Bare concurrent.futures references for `npm run bench`.

  dispatch --pool thread|process --k K --duration S --warmup S
      Empty tasks through a raw ThreadPoolExecutor/ProcessPoolExecutor, driven by the
      same closed loop as the profiler's harness (K in flight, a done-callback queue,
      the main thread resubmitting), with nothing measured but two clock reads per task.
  dispatch-serve --pool thread|process --k K
      The same on one pool kept warm: each line on stdin, {"duration": S, "warmup": S},
      runs one window and prints its result as a JSON line.
  classic --threads N --tasks M --seconds S
      The textbook case: M x time.sleep(S) mapped over ThreadPoolExecutor(N).
  real --file F --fn NAME [--args JSON] --pools seq,thread:K,process:K,async:K --duration S
      A fixture function (a real library call) on warmed bare pools: each pool's
      workers first make ~10 calls, then a closed loop of K calls in flight runs for S
      seconds, every result returned to the main thread. Prints calls per second for
      each pool, in one interpreter so all pools share its start-up. A pool written
      thread:K/bN or process:K/bN sends N calls per task (as map's chunksize=N does).
  interleaved --file F --fn NAME [--args JSON] --pools thread:K,process:K --window S --rounds R
      The same pools, warmed and all open at once, measured in alternation with
      sequential windows: seq, pool, seq, other pool, seq, ..., the pools' order
      reversed each round. Each pool window divides by the mean of the sequential
      windows around it. Prints each pool's mean speedup and its per-window ratios.

Prints one JSON object on stdout. Standard library only.
"""
import argparse
import asyncio
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bare_call  # noqa: E402

WARM_CALLS = 10


def start_method():
    # The same choice as the profiler's harness, so process pools start alike.
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "forkserver" in methods:
        return "forkserver"
    return "spawn"


def open_pool(pool_kind, k):
    if pool_kind == "thread":
        pool = concurrent.futures.ThreadPoolExecutor(k)
    else:
        pool = concurrent.futures.ProcessPoolExecutor(k, mp_context=multiprocessing.get_context(start_method()))
    # Start every worker before a window opens.
    for f in [pool.submit(empty) for _ in range(4 * k)]:
        f.result()
    return pool


def dispatch_window(pool, pool_kind, k, duration, warmup):
    n, span = closed_loop(pool, empty, None, k, duration, warmup)
    return {"pool": pool_kind, "k": k, "tasks": n, "usPerTask": span * 1e6 / n if n else None, "startMethod": start_method()}


def dispatch(pool_kind, k, duration, warmup):
    pool = open_pool(pool_kind, k)
    try:
        return dispatch_window(pool, pool_kind, k, duration, warmup)
    finally:
        pool.shutdown(wait=True)


def dispatch_serve(pool_kind, k):
    """One warm pool, many windows: each stdin line {"duration": S, "warmup": S} runs one
    window and prints its JSON result; end of input shuts the pool down."""
    pool = open_pool(pool_kind, k)
    try:
        sys.stdout.write(json.dumps({"ready": True}) + "\n")
        sys.stdout.flush()
        for line in sys.stdin:
            if not line.strip():
                continue
            cmd = json.loads(line)
            out = dispatch_window(pool, pool_kind, k, cmd["duration"], cmd.get("warmup", 0.0))
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
    finally:
        pool.shutdown(wait=True)


def classic(threads, tasks, seconds):
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(sleep_for, [seconds] * tasks))
    return {"threads": threads, "tasks": tasks, "seconds": seconds, "wallMs": (time.perf_counter() - t0) * 1000}


def closed_loop(pool, fn, args, k, duration, warmup=0.0, extra=()):
    """K calls of fn(*args, index, *extra) (fn() when args is None) in flight on the pool until
    `duration` s have passed, driven as the profiler's harness does: a done-callback queue
    and the main thread resubmitting, with nothing measured but two clock reads per task.
    Calls started in the first `warmup` s are not counted. Returns (calls, span in s)."""
    # The same done queue as the harness (a SimpleQueue, put and get in C): the figure
    # then prices the harness's measurement, not a slower queue on one side.
    done = queue.SimpleQueue()
    origin = time.perf_counter()
    starts = {}
    counted_starts = []
    ends = []
    next_index = [0]

    def submit():
        i = next_index[0]
        next_index[0] += 1
        starts[i] = time.perf_counter()
        fut = pool.submit(fn) if args is None else pool.submit(fn, *args, i, *extra)
        fut.index = i
        fut.add_done_callback(done.put)

    running = 0
    for _ in range(k):
        submit()
        running += 1
    while running:
        fut = done.get()
        running -= 1
        fut.result()  # the result travels back (pickled, for processes) and errors surface
        end = time.perf_counter()
        start = starts.pop(fut.index)
        if start - origin >= warmup:
            counted_starts.append(start)
            ends.append(end)
        if end - origin < duration:
            submit()
            running += 1
    n = len(ends)
    return n, (max(ends) - min(counted_starts)) if n else 0.0


def run_queue_s():
    """Seconds this thread has waited, runnable, for a core (0 where schedstat is missing)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except OSError:
        return 0.0


def warm_sequential(path, fn, args):
    """Loads the function and makes ~10 calls in this thread."""
    bare_call.load(path, fn)
    for c in range(WARM_CALLS):
        bare_call.call(path, fn, args, -1 - c)


def back_to_back(path, fn, args, duration):
    """Calls in this thread, back to back, for `duration` s: (calls, wall s)."""
    call = bare_call.call
    t0 = time.perf_counter()
    n = 0
    while True:
        call(path, fn, args, n)
        n += 1
        wall = time.perf_counter() - t0
        if wall >= duration:
            return n, wall


def with_children_cpu_s():
    """CPU seconds of this process and of the children it has waited for: a call that
    runs a child (subprocess.run) spends its CPU there, and that is the call's CPU too."""
    import resource

    return time.process_time() + sum(getattr(resource.getrusage(resource.RUSAGE_CHILDREN), f) for f in ("ru_utime", "ru_stime"))


def real_pool(path, fn, args, kind, k, duration, batch=1):
    call = bare_call.call
    if kind == "seq":
        warm_sequential(path, fn, args)
        rq0 = run_queue_s()
        c0 = with_children_cpu_s()
        t0 = time.thread_time()
        n, wall = back_to_back(path, fn, args, duration)
        # The calling thread's own share: low where the call hands its CPU to other
        # threads (asyncio.to_thread) while the process stays busy.
        real_pool.seq_thread_cpu_ratio = (time.thread_time() - t0) / max(1e-9, wall - (run_queue_s() - rq0))
        # Process CPU (all threads, and the children it waited for) per second of
        # back-to-back calls, not counting the time the calling thread sat runnable waiting
        # for a core: the physics of the call, even while other processes load the machine.
        real_pool.seq_cpu_ratio = (with_children_cpu_s() - c0) / max(1e-9, wall - (run_queue_s() - rq0))
        return n / wall
    if kind == "async":
        import asyncio

        f = bare_call.load(path, fn)

        async def run():
            async def lane(lane_no, deadline, counter):
                while time.perf_counter() < deadline:
                    await f(*bare_call.args_for(args, counter[0]))
                    counter[0] += 1

            await asyncio.gather(*(f(*bare_call.args_for(args, -1 - c)) for c in range(WARM_CALLS)))
            counter = [0]
            t0 = time.perf_counter()
            await asyncio.gather(*(lane(i, t0 + duration, counter) for i in range(k)))
            return counter[0] / (time.perf_counter() - t0)

        return asyncio.run(run())
    # Warm-up: ~10 calls per worker, all workers started, before the window opens.
    pool = open_real_pool(path, fn, args, kind, k)
    try:
        if batch > 1:
            n, span = closed_loop(pool, bare_call.call_batch, (path, fn, args), k, duration, extra=(batch,))
            n *= batch
        else:
            n, span = closed_loop(pool, call, (path, fn, args), k, duration)
        return n / span if span > 0 else None
    finally:
        pool.shutdown(wait=True)


def real(path, fn, args, pools, duration):
    out = {"file": path, "fn": fn, "throughputPerSec": {}}
    for spec in pools.split(","):
        kind, _, rest = spec.partition(":")
        k, _, batch = rest.partition("/b")
        out["throughputPerSec"][spec] = real_pool(path, fn, args, kind, int(k or 1), duration, int(batch or 1))
    out["seqCpuRatio"] = getattr(real_pool, "seq_cpu_ratio", None)
    out["seqThreadCpuRatio"] = getattr(real_pool, "seq_thread_cpu_ratio", None)
    out["isCoroutine"] = asyncio.iscoroutinefunction(bare_call.load(path, fn))
    return out


def open_real_pool(path, fn, args, kind, k):
    """A warmed pool of k workers (every worker has made ~10 calls)."""
    if kind == "thread":
        pool = concurrent.futures.ThreadPoolExecutor(k)
    else:
        pool = concurrent.futures.ProcessPoolExecutor(k, mp_context=multiprocessing.get_context(start_method()))
    for f in [pool.submit(bare_call.call, path, fn, args, -1 - c) for c in range(WARM_CALLS * k)]:
        f.result()
    return pool


def interleaved(path, fn, args, pools, window, rounds):
    """Speedups of warmed pools, each window between two sequential windows (see the
    module doc): this machine's speed drifts by up to 20% within seconds, and one
    sequential window before all the pools and one after put a pool at 2.1x on 2 cores."""
    call = bare_call.call
    warm_sequential(path, fn, args)

    def seq_window():
        n, wall = back_to_back(path, fn, args, window)
        return n / wall

    specs = [spec for spec in pools.split(",") if spec]
    opened = {}
    try:
        for spec in specs:
            kind, _, k = spec.partition(":")
            opened[spec] = (open_real_pool(path, fn, args, kind, int(k)), int(k))
        ratios = {spec: [] for spec in specs}
        before = seq_window()
        for r in range(rounds):
            for spec in specs if r % 2 == 0 else specs[::-1]:
                pool, k = opened[spec]
                n, span = closed_loop(pool, call, (path, fn, args), k, window)
                after = seq_window()
                ratios[spec].append((n / span if span > 0 else 0.0) / ((before + after) / 2.0))
                before = after
    finally:
        for pool, _ in opened.values():
            pool.shutdown(wait=True)
    return {"file": path, "fn": fn, "speedup": {spec: sum(xs) / len(xs) for spec, xs in ratios.items()}, "ratios": ratios}


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dispatch")
    d.add_argument("--pool", choices=["thread", "process"], required=True)
    d.add_argument("--k", type=int, default=2)
    d.add_argument("--duration", type=float, default=2.0)
    d.add_argument("--warmup", type=float, default=0.2)
    ds = sub.add_parser("dispatch-serve")
    ds.add_argument("--pool", choices=["thread", "process"], required=True)
    ds.add_argument("--k", type=int, default=2)
    c = sub.add_parser("classic")
    c.add_argument("--threads", type=int, default=50)
    c.add_argument("--tasks", type=int, default=200)
    c.add_argument("--seconds", type=float, default=1.0)
    r = sub.add_parser("real")
    r.add_argument("--file", required=True)
    r.add_argument("--fn", required=True)
    r.add_argument("--args", default="[]")
    r.add_argument("--pools", default="seq")
    r.add_argument("--duration", type=float, default=1.5)
    il = sub.add_parser("interleaved")
    il.add_argument("--file", required=True)
    il.add_argument("--fn", required=True)
    il.add_argument("--args", default="[]")
    il.add_argument("--pools", required=True)
    il.add_argument("--window", type=float, default=0.5)
    il.add_argument("--rounds", type=int, default=2)
    a = ap.parse_args()
    if a.cmd == "dispatch-serve":
        return dispatch_serve(a.pool, a.k)
    if a.cmd == "dispatch":
        out = dispatch(a.pool, a.k, a.duration, a.warmup)
    elif a.cmd == "interleaved":
        out = interleaved(os.path.abspath(a.file), a.fn, json.loads(a.args), a.pools, a.window, a.rounds)
    elif a.cmd == "real":
        out = real(os.path.abspath(a.file), a.fn, json.loads(a.args), a.pools, a.duration)
    else:
        out = classic(a.threads, a.tasks, a.seconds)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
