"""One timed call of the user's function, in this thread or driven on an event loop, and
the warm-up that runs calls until their time is steady.

Every executor times a call the same way: the epoch start, the wall time from
perf_counter, and this thread's CPU time (a coroutine's own steps only, under asyncio).
"""
import asyncio
import inspect
import threading
import time

from harness_heap import minor_faults, reserve_for


class TimedCoroutine(object):
    """Drives a coroutine step by step and adds up the thread CPU time of its own steps,
    which is this task's CPU even while other tasks interleave on the same loop."""

    def __init__(self, coro):
        self.coro = coro
        self.cpu_ns = 0

    def __await__(self):
        coro = self.coro
        value, exc = None, None
        while True:
            t0 = time.thread_time_ns()
            try:
                if exc is not None:
                    yielded = coro.throw(exc)
                else:
                    yielded = coro.send(value)
            except StopIteration as stop:
                self.cpu_ns += time.thread_time_ns() - t0
                return stop.value
            except BaseException:
                self.cpu_ns += time.thread_time_ns() - t0
                raise
            self.cpu_ns += time.thread_time_ns() - t0
            try:
                value = yield yielded
                exc = None
            except BaseException as e:  # thrown in by the loop (e.g. cancellation)
                value, exc = None, e


async def as_coroutine(awaitable):
    return await awaitable


def is_async_callable(fn):
    """async def, also behind decorators that keep __wrapped__ (functools.wraps)."""
    return asyncio.iscoroutinefunction(fn) or inspect.iscoroutinefunction(inspect.unwrap(fn))


_thread_state = threading.local()


def thread_loop():
    loop = getattr(_thread_state, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _thread_state.loop = loop
    return loop


# Results of these types are never awaitable: they skip inspect.isawaitable's checks.
PLAIN_RESULTS = frozenset((type(None), bool, int, float, str, bytes, list, tuple, dict))


# A call's CPU clock is read only when this long has passed since the last reading on
# its thread. The thread and process CPU clocks are syscalls (about 0.6 us here, more
# under steal) where perf_counter is a vDSO read (0.05 us): read around every call, they
# were a third of what a thread pool's hand-off costs on top of a bare one. Calls of a
# millisecond or more are each read; of shorter calls, about one a millisecond is, and
# the rest carry no CPU figure (the engine averages the CPU over the calls that have one,
# an unbiased sample of them).
CPU_READING_EVERY_NS = 1000000
_cpu_reading = threading.local()


def clock_cost(cpu_clock):
    """CPU ns that a reading of `cpu_clock` right after another counts (the tail of one
    syscall and the head of the next): the median of a few pairs, once per thread."""
    costs = getattr(_cpu_reading, "costs", None)
    if costs is None:
        costs = _cpu_reading.costs = {}
    cost = costs.get(cpu_clock)
    if cost is None:
        pairs = []
        for _ in range(15):
            a = cpu_clock()
            pairs.append(cpu_clock() - a)
        cost = costs[cpu_clock] = sorted(pairs)[len(pairs) // 2]
    return cost


def call_sync(fn, is_async, args, cpu_clock, inflight, token, perf_ns=time.perf_counter_ns):
    """Runs one call in the current thread; returns (ok, start_ns, end_ns, cpu_ns or None,
    result_or_error), start and end on the perf_counter_ns clock. While it runs, the call
    is in the `inflight` dict under `token` (its start), for the engine's per-call
    timeout. Every executor's tasks pass through here, so it is kept to the bare minimum:
    two reads of perf_counter, and of the CPU clock when one is due (CPU_READING_EVERY_NS).

    The CPU clock is a syscall (about 2 us on this kind of VM). Read inside the wall
    clock's readings, the wall took both reads whole while the CPU took half of each, and
    a 3 us call of pure C read 50% CPU ("part waiting", mixed); a 40 us one 92%. So the
    CPU clock is read outside them, and what two back-to-back reads of it count
    (clock_cost) comes off the CPU figure."""
    p0 = perf_ns()
    try:
        due = p0 - _cpu_reading.at >= CPU_READING_EVERY_NS
    except AttributeError:  # this thread's first call
        due = True
    if due:
        _cpu_reading.at = p0
        cost = clock_cost(cpu_clock)
        c0 = cpu_clock()
        p0 = perf_ns()
    else:
        c0 = None
    inflight[token] = p0
    try:
        if is_async:
            result = thread_loop().run_until_complete(fn(*args))
        else:
            result = fn(*args)
            if type(result) not in PLAIN_RESULTS and inspect.isawaitable(result):  # a plain def that hands back a coroutine
                result = thread_loop().run_until_complete(as_coroutine(result))
        ok = True
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: they are the function's doing
        result, ok = e, False
    p1 = perf_ns()
    cpu_ns = None if c0 is None else max(0, cpu_clock() - c0 - cost)
    inflight.pop(token, None)
    return ok, p0, p1, cpu_ns, result


def warm_up(call, policy):
    """Calls until the call time is steady (stopped falling: the last `steadyCalls` within
    `tolerance` of each other, or their median within `tolerance` of the median of the
    `steadyCalls` before them) or a cap is reached, so counted calls run as in a
    long-lived pool: imports done, caches filled, the specializing interpreter settled.
    Same rule as the JS side (src/shared/warmup.ts isSteady). `call()` returns
    (ok, wall_ms). None when the policy is off."""
    if not policy or int(policy.get("maxCalls", 0)) <= 0:
        return None
    n, tol = int(policy["steadyCalls"]), float(policy["tolerance"])
    max_calls, max_ms = int(policy["maxCalls"]), float(policy["maxMs"])
    below = policy.get("steadyBelowMs")
    min_unsteady = int(policy.get("unsteadyMinCalls") or 0)

    def mid(xs):
        return sorted(xs)[len(xs) // 2]

    def steady(ts):
        # Stopped falling: the last n alike, or their median no more than tol below the
        # median of the n before them (calls jitter on a shared machine).
        if len(ts) < n:
            return False
        last = ts[-n:]
        alike = min(last) > 0 and max(last) <= min(last) * (1 + tol)
        level = len(ts) >= 2 * n and mid(last) >= mid(ts[-2 * n:-n]) * (1 - tol)
        if not (alike or level):
            return False
        return below is None or mid(last) <= float(below)

    # The time cap counts from the end of the first call where the policy says so: that
    # call builds one-time state, however long (a new pool thread's connection; a first
    # call that the warm baseline showed to be mostly setup, engine/profile.ts probeSetupOf).
    cap_after_first = bool(policy.get("capAfterFirstCall"))
    times, failed = [], False
    t0 = cap_from = time.perf_counter()
    while len(times) < max_calls:
        f0 = minor_faults()
        ok, ms = call()
        if not ok:
            failed = True
            break
        if times:
            # A call after the first (which may import and cache for good) that mapped
            # fresh memory arenas: give this process the room a long-lived one has
            # (harness_heap.py), more while calls still fault; they settle faster.
            reserve_for(minor_faults() - f0)
        times.append(ms)
        if cap_after_first and len(times) == 1:
            cap_from = time.perf_counter()
        # Steady right after one cold call: nothing else to warm. Steady later: the function
        # was tiering up or growing its heap, so it makes unsteadyMinCalls calls first.
        done = steady(times) and (len(times) <= n + 1 or len(times) >= min_unsteady)
        if done or (time.perf_counter() - cap_from) * 1000.0 >= max_ms:
            break
    last = sorted(times[-n:])
    return {
        "firstCallMs": times[0] if times else None,
        "steadyCallMs": last[len(last) // 2] if last else None,
        "calls": len(times),
        "elapsedMs": (time.perf_counter() - t0) * 1000.0,
        "steady": steady(times),
        "failed": failed,
    }


def fold_warmups(results, worker_start_ms):
    """Several workers' warm-ups as the report's cold-start figures (medians)."""
    done = [r for r in results if r and r["calls"] > 0]

    def mid(xs):
        xs = sorted(x for x in xs if x is not None)
        return xs[len(xs) // 2] if xs else None

    return {
        "firstCallMs": mid([r["firstCallMs"] for r in done]),
        "steadyCallMs": mid([r["steadyCallMs"] for r in done]),
        "workerStartMs": worker_start_ms,
        "warmupCalls": max([r["calls"] for r in done] or [0]),
        "warmupMs": mid([r.get("elapsedMs") for r in done]),
        "steady": bool(done) and all(r["steady"] for r in done),
    }
