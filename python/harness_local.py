"""The executors that run calls in the harness process itself: sequential, asyncio (an
async def on one event loop, or a plain def through asyncio.to_thread) and a
ThreadPoolExecutor. Each keeps the point's closed loop of K calls in flight."""
import asyncio
import concurrent.futures
import queue
import threading
import time

from harness_calls import TimedCoroutine, as_coroutine, call_sync, fold_warmups, thread_loop, warm_up
from harness_contract import CONTRACT
from harness_errors import describe_error
import harness_gil_probe
from harness_point import closed_loop
from harness_target import cap_memory, substitute

# Warm-up calls of a slow call that mostly waits (its setup only): the point contract's.
SETUP_ONLY_CALLS = int(CONTRACT["warmup"]["setupOnlyCalls"])

# The thread pool grows on demand up to this (the engine's thread ladder cap).
THREAD_POOL_MAX = 256
# An asyncio lane whose calls never await lets the event loop turn this often (the JS
# loop worker's YIELD_MS).
YIELD_S = 0.05


def thread_warmup_policy(policy):
    """The top-up rule for a new pool thread in a process that has warmed up: calls until
    two in a row agree (the first may build the thread's own state), within the pool's
    caps. Not the pools' full rule: threads that share a held GIL take turns, so their
    calls jitter and run about K times as long, never near the sequential worker's call
    time (steadyBelowMs), and two regex threads made the twelve calls of a function still
    tiering up (unsteadyMinCalls), 820 ms of a 6 s budget, on a process already warm."""
    if not policy:
        return None
    top_up = {key: value for key, value in policy.items() if key not in ("steadyBelowMs", "unsteadyMinCalls")}
    top_up["steadyCalls"] = 2
    # The process's own warm-up found its calls short enough to warm up at all, so a first
    # call far longer is the thread's setup: the cap starts after it. An in-memory SQLite
    # table built per thread took 2.4 s beside another thread's; stopped there, the top-up
    # left the threads reading "measured before they had warmed up" at 2.4 s a call.
    top_up["capAfterFirstCall"] = True
    return top_up


def tracked(point, fn, is_async):
    """`fn` as a task of the point: in flight (for the engine's per-call timeout) while it runs."""
    inflight = point.inflight

    def task(token, args):
        return call_sync(fn, is_async, args, time.thread_time_ns, inflight, token)

    return task


def recorder(point, memory_limit_mb):
    """handle(outcome) for calls of this process: their outcome, perf_counter_ns times made
    epoch, recorded in the point."""
    record, off = point.record, point.offset_ns

    def handle(outcome):
        ok, p0, p1, cpu_ns, result = outcome
        if ok:
            record(True, p0 + off, p1 + off, cpu_ns)
        else:
            record(False, p0 + off, p1 + off, cpu_ns, describe_error(result, memory_limit_mb))

    return handle


class LocalExecutors(object):
    def __init__(self, spec, fn, is_async):
        self.spec = spec
        self.fn = fn
        self.is_async = is_async
        self.thread_pool = None
        self.thread_pool_size = 0
        # This process warms up once, on the thread that runs its calls; a thread pool
        # then tops up each new thread on itself (start_threads).
        self.warmed = False
        self.warmed_threads = set()
        # Wall ms of the first call this process made (the probe's, when it ran here).
        self.first_call_ms = None

    def run(self, point, executor, extra):
        """Runs the point on `executor`, adding what the report should know to `extra`."""
        warms = []
        if point.warmup and not self.warmed:
            self.warmed = True
            if int(point.warmup.get("maxCalls", 0)) == SETUP_ONLY_CALLS and self.first_call_ms is not None:
                # A warm-up of one call (a slow call that mostly waits: its setup only,
                # shared/warmup.ts isSetupOnly) was this process's first call, the probe's.
                ms = self.first_call_ms
                warm = {"firstCallMs": ms, "steadyCallMs": ms, "calls": 1, "elapsedMs": ms, "steady": False, "failed": False}
            else:
                warm = self.warm_up(point)
            if warm is not None:
                warms.append(warm)
        if executor == "thread" or (executor == "async" and not self.is_async):
            # asyncio.to_thread runs a plain def on this same warm pool (run_to_thread).
            warms += self.start_threads(point, point.concurrency)
        if warms:
            extra["coldStart"] = fold_warmups(warms, None)
        if executor == "sequential":
            if self.is_async:
                self.run_async(point, 1)
            else:
                self.run_sequential(point)
        elif executor == "async":
            if self.is_async:
                self.run_async(point, point.concurrency)
            else:
                self.run_to_thread(point)
                extra["note"] = "plain def: async ran it through asyncio.to_thread (a thread pool behind asyncio)"
        else:
            self.run_threads(point)
        extra["cpuSource"] = "time.thread_time_ns"

    def gil_probe(self, cmd):
        """The GIL probe (harness_gil_probe.py) with this process's warm function: calls for
        about `windowMs` beside a spinner thread. None when a call failed."""
        args = substitute(cmd.get("args", []), 0)

        def one():
            ok, _s, _e, _c, _r = call_sync(self.fn, self.is_async, args, time.thread_time_ns, {}, "gil-probe")
            return ok

        return harness_gil_probe.measure(one, float(cmd.get("windowMs", 100)))

    def hotspots(self, cmd):
        """The hot-spot pass (harness_hotspots.py) on this process's loaded, warm function:
        the same result message as hotspots.py sends from a process of its own."""
        # Imported by the first pass, not at every harness's start-up (sysconfig's paths
        # cost 5-8 ms); the harness_ prefix keeps it clear of the user's module names.
        import harness_hotspots

        return harness_hotspots.profile_calls(self.fn, self.is_async, cmd)

    def warm_up(self, point):
        """Warm-up calls in this process, tracked as in flight so the engine's watchdog
        still enforces the per-call timeout. Returns the raw warm-up figures."""
        task = tracked(point, self.fn, self.is_async)
        args = substitute(point.args, 0)

        def one():
            ok, s, e, _c, _r = task(("warm", time.perf_counter_ns()), args)
            point.serve()
            return ok, (e - s) / 1e6

        return warm_up(one, point.warmup)

    def run_sequential(self, point):
        task = tracked(point, self.fn, False)
        handle = recorder(point, self.spec.memory_limit_mb)
        point.begin()
        while True:
            claim = point.claim()
            if claim is None:
                break
            outcome = task(*claim)
            if self.first_call_ms is None and outcome[0]:
                self.first_call_ms = (outcome[2] - outcome[1]) / 1e6
            handle(outcome)
            point.serve()

    def start_threads(self, point, k):
        """At least k threads in one pool for the whole ladder, each new one topped up on
        itself before the window opens. Returns the new threads' raw warm-up figures.

        The pool grows to the largest K so far and keeps its threads (thread-local
        caches, connections), at most K of them busy at a time. The process's warm-up
        (on the harness's main thread) is not enough: a call that keeps a thread-local
        connection (sqlite3, an HTTP session) builds it on each new thread's first call.
        An in-memory SQLite table built per thread (600 ms) landed in the measured window,
        and threads x2 read 0.09x where a ThreadPoolExecutor warmed on each thread gave 2.2x."""
        if self.thread_pool is None:
            self.thread_pool = concurrent.futures.ThreadPoolExecutor(THREAD_POOL_MAX, thread_name_prefix="workload")
        if self.thread_pool_size >= k:
            return []
        cap_memory(self.spec.memory_limit_mb, threads=k)
        # k tasks held at a barrier each need a thread of their own; each new one then
        # warms up, side by side, as a new pool worker does.
        barrier = threading.Barrier(k)
        policy = thread_warmup_policy(point.warmup)
        task = tracked(point, self.fn, self.is_async)
        args = substitute(point.args, 0)
        warmed = self.warmed_threads

        def start(_):
            barrier.wait(10)
            ident = threading.get_ident()
            if policy is None or ident in warmed:
                return None
            warmed.add(ident)

            def one():
                ok, s, e, _c, _r = task(("warm", ident, time.perf_counter_ns()), args)
                return ok, (e - s) / 1e6

            return warm_up(one, policy)

        warms = [w for w in self.thread_pool.map(start, range(k)) if w is not None]
        self.thread_pool_size = k
        return warms

    def run_threads(self, point):
        """The point's closed loop on the pool that run() has started (start_threads)."""
        pool, fn, is_async, inflight = self.thread_pool, self.fn, self.is_async, point.inflight
        clock, handle = time.thread_time_ns, recorder(point, self.spec.memory_limit_mb)
        # SimpleQueue: put and get in C, where queue.Queue takes a Python lock and condition
        # per task on both sides (about 4 us of a 45 us empty task through two threads).
        done = queue.SimpleQueue()

        def submit(index, args):
            pool.submit(call_sync, fn, is_async, args, clock, inflight, index).add_done_callback(done.put)

        closed_loop(point, submit, done, lambda fut: handle(fut.result()))

    def run_async(self, point, k):
        fn = self.fn

        inflight = point.inflight

        async def task(index, args):
            p0 = inflight[index] = time.perf_counter_ns()
            timed = None
            try:
                coro = fn(*args)
                if not asyncio.iscoroutine(coro):
                    coro = as_coroutine(coro)
                timed = TimedCoroutine(coro)
                result = await timed
                ok = True
            except asyncio.CancelledError:
                raise
            except BaseException as e:
                result, ok = e, False
            finally:
                inflight.pop(index, None)
            return ok, p0, time.perf_counter_ns(), timed.cpu_ns if timed is not None else 0, result

        thread_loop().run_until_complete(self.asyncio_closed_loop(point, k, task))

    async def asyncio_closed_loop(self, point, k, task):
        """Keeps up to k coroutines of `task(index, args)` in flight on this event loop
        until the point stops launching; shared by async def and asyncio.to_thread runs.

        k lanes, each claiming its next call only when it runs: a coroutine that blocks
        the loop (time.sleep in an async def) makes the lanes start one after another,
        and calls claimed up front would all run after the window had closed (k of them
        back to back, 64 x 40 ms against a 200 ms window)."""
        handle = recorder(point, self.spec.memory_limit_mb)
        point.begin()

        turned = time.monotonic()

        async def lane():
            nonlocal turned
            while True:
                # A lane whose calls never await keeps the loop to itself: let the loop
                # turn now and then (the user's callbacks, the other lanes), before the
                # claim so that a call claimed is a call run at once.
                if time.monotonic() - turned > YIELD_S:
                    await asyncio.sleep(0)
                    turned = time.monotonic()
                claim = point.claim()
                if claim is None:
                    return
                handle(await task(*claim))
                point.serve()

        lanes = [asyncio.ensure_future(lane()) for _ in range(k)]
        try:
            await asyncio.gather(*lanes)
        finally:
            for fut in lanes:
                fut.cancel()

    def run_to_thread(self, point):
        """A plain def through asyncio.to_thread, on the pool run() has started and warmed
        (start_threads): to_thread's own default pool is capped at cpu+4 threads, and a
        fresh one per point left each thread's first call (a thread-local connection)
        in the window. The closed loop keeps at most K of its threads busy."""
        k = point.concurrency
        loop = thread_loop()
        loop.set_default_executor(self.thread_pool)
        task = tracked(point, self.fn, False)

        def in_thread(index, args):
            return asyncio.to_thread(task, index, args)

        loop.run_until_complete(self.asyncio_closed_loop(point, k, in_thread))

    def shutdown(self):
        if self.thread_pool is not None:
            self.thread_pool.shutdown(wait=False)
            self.thread_pool = None
