"""The executors that run calls in the harness process itself: sequential, asyncio (an
async def on one event loop, or a plain def through asyncio.to_thread) and a
ThreadPoolExecutor. Each keeps the point's closed loop of K calls in flight."""
import asyncio
import concurrent.futures
import queue
import threading
import time

from harness_calls import TimedCoroutine, as_coroutine, call_sync, fold_warmups, thread_loop, warm_up
from harness_errors import describe_error
import harness_gil_probe
from harness_point import closed_loop
from harness_target import cap_memory, substitute

# The thread pool grows on demand up to this (the engine's thread ladder cap).
THREAD_POOL_MAX = 256
# An asyncio lane whose calls never await lets the event loop turn this often (the JS
# loop worker's YIELD_MS).
YIELD_S = 0.05


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
        # This process's own calls (sequential, async, threads) warm up once.
        self.warmed = False

    def run(self, point, executor, extra):
        """Runs the point on `executor`, adding what the report should know to `extra`."""
        if point.warmup and not self.warmed:
            self.warmed = True
            warm = self.warm_up(point)
            if warm is not None:
                extra["coldStart"] = fold_warmups([warm], None)
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
            handle(task(*claim))
            point.serve()

    def run_threads(self, point):
        k = point.concurrency
        # One pool for the whole ladder, grown to the largest K so far: its threads stay
        # (thread-local caches, connections) and at most K of them are busy at a time.
        if self.thread_pool is None:
            self.thread_pool = concurrent.futures.ThreadPoolExecutor(THREAD_POOL_MAX, thread_name_prefix="workload")
        if self.thread_pool_size < k:
            cap_memory(self.spec.memory_limit_mb, threads=k)
            # Start every thread before the window opens: k tasks held at a barrier
            # each need a thread of their own.
            barrier = threading.Barrier(k)
            list(self.thread_pool.map(lambda _: barrier.wait(10), range(k)))
            self.thread_pool_size = k
        pool, fn, is_async, inflight = self.thread_pool, self.fn, self.is_async, point.inflight
        clock, handle = time.thread_time_ns, recorder(point, self.spec.memory_limit_mb)
        done = queue.Queue()

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
        k = point.concurrency
        loop = thread_loop()
        cap_memory(self.spec.memory_limit_mb, threads=k)
        pool = concurrent.futures.ThreadPoolExecutor(k, thread_name_prefix="workload-to-thread")
        loop.set_default_executor(pool)  # to_thread's default pool is capped at cpu+4 threads
        task = tracked(point, self.fn, False)

        def in_thread(index, args):
            return asyncio.to_thread(task, index, args)

        try:
            loop.run_until_complete(self.asyncio_closed_loop(point, k, in_thread))
        finally:
            pool.shutdown(wait=True)

    def shutdown(self):
        if self.thread_pool is not None:
            self.thread_pool.shutdown(wait=False)
            self.thread_pool = None
