"""Queue mode for Python: one crawl of a function that returns the new items it found.

Run as `python3 queue_harness.py`, with the crawl's config as one JSON object on stdin;
the result is one JSON line on fd 3 (user code keeps stdout and stderr). Each executor
uses Python's own queue, the way the lesson on queues and pools sets them out:
  sequential  a plain loop over a FIFO
  async       asyncio.Queue with K worker tasks; join() waits for the crawl
  thread      queue.Queue with K threads; get(), work, put() the found items, task_done(), join()
  process     multiprocessing.JoinableQueue with K processes
The frontier (dedupe of JSON-equal items, --max-items, retry once) mirrors
src/shared/queue/frontier.ts and lives in queue_core.py. Loading and error descriptions
come from the harness's modules (harness_target.py, harness_errors.py).
"""

import asyncio
import collections
import json
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time

from harness_calls import is_async_callable, thread_loop
from harness_contract import start_method
from harness_errors import describe_error, describe_load_error
from harness_target import TargetSpec, cap_memory, load_target
from queue_core import MAX_ATTEMPTS, STOP, Crawl, call_item, check_json, collect, drain_coroutine, now_ms


def start_watchdog(crawl, kind, k, timeout_ms, cpu_source, lock):
    """Threads cannot be stopped: when a call outlives the timeout, report the crawl as it
    stands, with the hung item failed (timeout) and the other calls in flight failed as
    abandoned, then end the interpreter. The crawl is reported as not drained."""

    def watch():
        while True:
            time.sleep(0.1)
            with lock:
                now = now_ms()
                hung = [(slot, q, t) for slot, (q, t) in crawl.inflight.items() if now - t > timeout_ms]
                if not hung:
                    continue
                for slot, (q, t) in list(crawl.inflight.items()):
                    if any(h[0] == slot for h in hung):
                        err = {"kind": "timeout", "message": "timed out after %g s; a Python thread cannot be stopped, so the crawl ended there" % (timeout_ms / 1000.0)}
                    else:
                        err = {"kind": "abandoned", "message": "still running when another item timed out and the crawl ended"}
                    q["attempts"] = MAX_ATTEMPTS  # no retry: the stuck thread cannot be freed
                    crawl.settle(q, slot, False, t, now, None, [], err)
                crawl.inflight.clear()
                crawl.skipped += 1
                emit(dict(crawl.result(kind, k, cpu_source, "stopped: a call hung past the timeout"), t="result"))
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def run_sequential(fn, is_async, cfg):
    crawl = Crawl(cfg, 1)
    lock = threading.Lock()
    start_watchdog(crawl, "sequential", 1, cfg["callTimeoutMs"], "time.thread_time_ns", lock)
    fifo = collections.deque(crawl.seed(cfg["seeds"]))
    while fifo:
        q = fifo.popleft()
        if now_ms() >= crawl.deadline:
            crawl.skipped += 1 + len(fifo)
            break
        q["attempts"] += 1
        with lock:
            crawl.inflight[0] = (q, now_ms())
        ok, s, e, cpu, found, err = call_item(fn, is_async, q["item"], time.thread_time_ns)
        with lock:
            crawl.inflight.pop(0, None)
            fifo.extend(crawl.settle(q, 0, ok, s, e, cpu, found, err))
    return crawl.result("sequential", 1, "time.thread_time_ns")


def run_threads(fn, is_async, cfg, k):
    crawl = Crawl(cfg, k)
    work = queue.Queue()
    lock = threading.Lock()
    start_watchdog(crawl, "thread", k, cfg["callTimeoutMs"], "time.thread_time_ns", lock)
    for q in crawl.seed(cfg["seeds"]):
        work.put(q)

    def worker(slot):
        while True:
            q = work.get()
            if q is STOP:
                work.task_done()
                return
            if now_ms() >= crawl.deadline:
                with lock:
                    crawl.skipped += 1
                work.task_done()
                continue
            q["attempts"] += 1
            with lock:
                crawl.inflight[slot] = (q, now_ms())
            ok, s, e, cpu, found, err = call_item(fn, is_async, q["item"], time.thread_time_ns)
            with lock:
                crawl.inflight.pop(slot, None)
                more = crawl.settle(q, slot, ok, s, e, cpu, found, err)
            # Found items go in before this one is marked done, so join() cannot return early.
            for n in more:
                work.put(n)
            work.task_done()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(k)]
    for t in threads:
        t.start()
    work.join()
    for _ in threads:
        work.put(STOP)
    for t in threads:
        t.join()
    return crawl.result("thread", k, "time.thread_time_ns")


def run_async(fn, is_async, cfg, k, timeout_s):
    crawl = Crawl(cfg, k)
    note = None if is_async else "plain def: each call ran in asyncio.to_thread"

    async def call(item):
        start = now_ms()
        p0 = time.perf_counter_ns()
        try:
            if is_async:
                found = await asyncio.wait_for(drain_coroutine(fn(item)), timeout_s)
            else:
                found = await asyncio.to_thread(lambda: collect(fn(item), thread_loop().run_until_complete))
            check_json(found)
            return True, start, start + (time.perf_counter_ns() - p0) / 1e6, found, None
        except asyncio.TimeoutError:
            err = {"kind": "timeout", "message": "timed out after %g s" % timeout_s}
        except BaseException as e:
            if isinstance(e, asyncio.CancelledError):
                raise
            err = describe_error(e)
        return False, start, start + (time.perf_counter_ns() - p0) / 1e6, [], err

    async def main():
        work = asyncio.Queue()
        for q in crawl.seed(cfg["seeds"]):
            work.put_nowait(q)

        async def worker(slot):
            while True:
                q = await work.get()
                try:
                    if now_ms() >= crawl.deadline:
                        crawl.skipped += 1
                        continue
                    q["attempts"] += 1
                    ok, s, e, found, err = await call(q["item"])
                    for n in crawl.settle(q, slot, ok, s, e, float("nan"), found, err):
                        work.put_nowait(n)
                finally:
                    work.task_done()

        tasks = [asyncio.ensure_future(worker(i)) for i in range(k)]
        await work.join()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
    return crawl.result("async", k, "unavailable", note)


def process_worker(spec, slot, tasks, results, stop):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        cap_memory(spec.memory_limit_mb)
        fn = getattr(load_target(spec), spec.function)
        is_async = is_async_callable(fn)
    except BaseException as e:
        results.put(("loadError", slot, describe_load_error(e)))
        return
    results.put(("ready", slot, os.getpid()))
    while True:
        q = tasks.get()
        if q is STOP:
            tasks.task_done()
            return
        if stop.is_set():
            results.put(("skip", slot, q))
            continue
        q["attempts"] += 1
        results.put(("start", slot, q))
        r = call_item(fn, is_async, q["item"], time.process_time_ns)
        # The parent puts the admitted found items on the queue, then calls task_done():
        # dedupe needs one seen-set, and join() must not see zero while they are pending.
        results.put(("end", slot, q, r))


def run_processes(cfg, k):
    spec = TargetSpec(cfg["load"])
    ctx = multiprocessing.get_context(start_method())
    # Results go through a SimpleQueue: put() writes at once, with no feeder thread, so a
    # worker that dies mid-item has already told us which item it started.
    tasks, results, stop = ctx.JoinableQueue(), ctx.SimpleQueue(), ctx.Event()
    timeout_ms = cfg["callTimeoutMs"]

    def spawn(slot):
        p = ctx.Process(target=process_worker, args=(spec, slot, tasks, results, stop), daemon=True)
        p.start()
        return p

    procs = [spawn(i) for i in range(k)]
    ready = 0
    while ready < k:
        if not results._reader.poll(120):
            raise RuntimeError("the worker processes did not start within 120 s")
        kind, slot, data = results.get()
        if kind == "loadError":
            emit({"t": "loadError", "error": data})
            for p in procs:
                p.kill()
            return None
        ready += 1
    crawl = Crawl(cfg, k)
    outstanding = 0
    for q in crawl.seed(cfg["seeds"]):
        tasks.put(q)
        outstanding += 1
    running = {}  # slot -> (q, started at)
    last_check = now_ms()
    while outstanding > 0:
        if now_ms() >= crawl.deadline:
            stop.set()
        msg = results.get() if results._reader.poll(0.05) else None
        if msg is not None:
            kind, slot = msg[0], msg[1]
            if kind == "ready":  # a replacement process
                continue
            if kind == "loadError":  # a replacement could not load the module: nothing can run
                emit({"t": "loadError", "error": msg[2]})
                for p in procs:
                    p.kill()
                return None
            if kind == "start":
                running[slot] = (msg[2], now_ms())
                continue
            if kind == "skip":
                crawl.skipped += 1
                outstanding -= 1
                tasks.task_done()
                continue
            q, (ok, s, e, cpu, found, err) = msg[2], msg[3]
            cur = running.get(slot)
            if cur is None or cur[0]["id"] != q["id"]:
                # Its process was already killed (timeout) and the item settled; a result
                # that was in the pipe by then must not settle it twice.
                continue
            running.pop(slot)
            for n in crawl.settle(q, slot, ok, s, e, cpu, found, err):
                tasks.put(n)
                outstanding += 1
            outstanding -= 1
            tasks.task_done()
            # Check the workers now and then even while results keep coming.
            if now_ms() - last_check < 100:
                continue
        last_check = now_ms()
        for slot, p in enumerate(procs):
            cur = running.get(slot)
            if cur and p.is_alive() and now_ms() - cur[1] > timeout_ms:
                p.kill()
                p.join()
                died = {"kind": "timeout", "message": "timed out after %g s; its process was killed" % (timeout_ms / 1000)}
            elif not p.is_alive():
                p.join()
                died = {"kind": "exit", "message": "the worker process died (exit code %s) while running the item" % p.exitcode}
            else:
                continue
            procs[slot] = spawn(slot)
            if cur:
                running.pop(slot)
                q = cur[0]
                for n in crawl.settle(q, slot, False, cur[1], now_ms(), float("nan"), [], died):
                    tasks.put(n)
                    outstanding += 1
                outstanding -= 1
                tasks.task_done()  # on behalf of the dead worker
    tasks.join()  # returns at once: every item put has been marked done
    for _ in procs:
        tasks.put(STOP)
    for p in procs:
        p.join(timeout=5)
        if p.is_alive():
            p.kill()
    return crawl.result("process", k, "time.process_time_ns")


_out = None


def emit(msg):
    _out.write(json.dumps(msg) + "\n")
    _out.flush()


def main():
    global _out
    _out = os.fdopen(3, "w", encoding="utf-8")
    cfg = json.loads(sys.stdin.read())
    kind, k = cfg["executor"], cfg["concurrency"]
    if kind == "process":
        result = run_processes(cfg, k)
    else:
        spec = TargetSpec(cfg["load"])
        try:
            cap_memory(spec.memory_limit_mb, threads=k)
            fn = getattr(load_target(spec), spec.function)
        except BaseException as e:
            emit({"t": "loadError", "error": describe_load_error(e)})
            return
        is_async = is_async_callable(fn)
        if kind == "sequential":
            result = run_sequential(fn, is_async, cfg)
        elif kind == "thread":
            result = run_threads(fn, is_async, cfg, k)
        else:
            result = run_async(fn, is_async, cfg, k, cfg["callTimeoutMs"] / 1000.0)
    if result is not None:
        emit(dict(result, t="result"))


if __name__ == "__main__":
    main()
