"""Queue mode for Python: one crawl of a function that returns the new items it found.

Run as `python3 queue_harness.py`, with the crawl's config as one JSON object on stdin;
the result is one JSON line on fd 3 (user code keeps stdout and stderr). Each executor
uses Python's own queue, the way the lesson on queues and pools sets them out:
  sequential  a plain loop over a FIFO
  async       asyncio.Queue with K worker tasks; join() waits for the crawl
  thread      queue.Queue with K threads; get(), work, put() the found items, task_done(), join()
  process     multiprocessing.JoinableQueue with K processes
The frontier (dedupe of JSON-equal items, --max-items, retry once) mirrors
src/core/queue/frontier.ts. Loading and error descriptions come from harness.py.
"""

import asyncio
import collections
import inspect
import json
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time

import harness as H

MAX_ATTEMPTS = 2
STOP = None


def now_ms():
    return time.time_ns() / 1e6


def canonical_key(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


class Frontier(object):
    """Admits items (dedupe, cap) and applies the retry-once rule. Not thread-safe: the
    thread executor holds its lock around every call."""

    def __init__(self, dedupe, max_items):
        self.dedupe = dedupe
        self.max_items = max_items
        self.seen = set()
        self.next_id = 0
        self.admitted = 0
        self.duplicates = 0
        self.capped = False

    def offer(self, item, parent, depth, at):
        if self.dedupe:
            key = canonical_key(item)
            if key in self.seen:
                self.duplicates += 1
                return None
            if self.admitted >= self.max_items:
                self.capped = True
                return None
            self.seen.add(key)
        elif self.admitted >= self.max_items:
            self.capped = True
            return None
        q = {"id": self.next_id, "item": item, "parent": parent, "depth": depth, "enqueuedMs": at, "attempts": 0}
        self.next_id += 1
        self.admitted += 1
        return q


def collect(result, loop_for_async=None):
    """The found items: a list, tuple, generator or other iterable; an async iterable
    when a loop is given to drain it. A str, bytes or dict is a mistake, not items."""
    if result is None:
        return []
    if isinstance(result, (list, tuple)):
        return list(result)
    if hasattr(result, "__aiter__"):
        if loop_for_async is None:
            raise TypeError("an async generator needs the async executor")
        return loop_for_async(drain_async(result))
    if isinstance(result, (str, bytes, dict)) or not hasattr(result, "__iter__"):
        raise TypeError(
            "in queue mode the function must return the new items it found (a list or a generator), not %s" % type(result).__name__
        )
    return list(result)


async def drain_async(agen):
    return [x async for x in agen]


def check_json(found):
    for i, x in enumerate(found):
        try:
            canonical_key(x)
        except (TypeError, ValueError) as e:
            raise TypeError("found item #%d is not JSON (%s); queue items must be JSON values" % (i, e))


def call_item(fn, is_async, item, cpu_clock):
    """One call in this thread: (ok, start_ms, end_ms, cpu_ms, found, error)."""
    start = now_ms()
    p0 = time.perf_counter_ns()
    c0 = cpu_clock()
    try:
        if is_async:
            found = H.thread_loop().run_until_complete(drain_coroutine(fn(item)))
        else:
            result = fn(item)
            if inspect.isawaitable(result):
                result = H.thread_loop().run_until_complete(H.as_coroutine(result))
            found = collect(result, H.thread_loop().run_until_complete)
        check_json(found)
        ok, error = True, None
    except BaseException as e:  # SystemExit too: it is the function's doing
        ok, found, error = False, [], H.describe_error(e)
    cpu = (cpu_clock() - c0) / 1e6
    return ok, start, start + (time.perf_counter_ns() - p0) / 1e6, cpu, found, error


async def drain_coroutine(awaitable):
    result = await awaitable
    if hasattr(result, "__aiter__"):
        return await drain_async(result)
    return collect(result)


class Crawl(object):
    """Final records, per-slot busy spans and errors of one crawl."""

    def __init__(self, cfg, k):
        self.frontier = Frontier(cfg["dedupe"], cfg["maxItems"])
        self.deadline = cfg["deadlineMs"]
        self.items = []
        self.busy = [[] for _ in range(k)]
        self.skipped = 0
        self.retried = 0
        self.start_ms = now_ms()

    def seed(self, seeds):
        return [q for q in (self.frontier.offer(s, -1, 1, self.start_ms) for s in seeds) if q is not None]

    def settle(self, q, slot, ok, start, end, cpu, found, error):
        """Returns the items to put on the queue: the admitted found items, or q for its retry."""
        self.busy[slot].append([start, end])
        if not ok and q["attempts"] < MAX_ATTEMPTS:
            self.retried += 1
            return [q]
        rec = {"id": q["id"], "parent": q["parent"], "depth": q["depth"], "enqueuedMs": q["enqueuedMs"], "startMs": start,
               "endMs": end, "worker": slot, "ok": ok, "attempts": q["attempts"], "cpuMs": None if cpu != cpu else cpu,
               "found": len(found)}
        if error:
            rec["error"] = error
        self.items.append(rec)
        if not ok:
            return []
        out = []
        for x in found:
            n = self.frontier.offer(x, q["id"], q["depth"] + 1, end)
            if n is not None:
                out.append(n)
        return out

    def result(self, kind, k, cpu_source, note=None):
        f = self.frontier
        end = max([r["endMs"] for r in self.items] or [self.start_ms])
        errors = {}
        for r in self.items:
            if not r["ok"]:
                e = r["error"]
                key = (e["kind"], e["message"])
                if key not in errors:
                    errors[key] = dict(e, count=0)
                errors[key]["count"] += 1
        notes = [n for n in [note, ("%d items retried after a failed attempt" % self.retried) if self.retried else None] if n]
        out = {"executor": kind, "concurrency": k, "startMs": self.start_ms, "endMs": end, "items": self.items,
               "busy": self.busy, "admitted": f.admitted, "duplicatesDropped": f.duplicates, "capped": f.capped,
               "drained": self.skipped == 0, "cpuSource": cpu_source, "errors": list(errors.values())}
        if notes:
            out["note"] = "; ".join(notes)
        return out


def run_sequential(fn, is_async, cfg):
    crawl = Crawl(cfg, 1)
    fifo = collections.deque(crawl.seed(cfg["seeds"]))
    while fifo:
        q = fifo.popleft()
        if now_ms() >= crawl.deadline:
            crawl.skipped += 1 + len(fifo)
            break
        q["attempts"] += 1
        ok, s, e, cpu, found, err = call_item(fn, is_async, q["item"], time.thread_time_ns)
        fifo.extend(crawl.settle(q, 0, ok, s, e, cpu, found, err))
    return crawl.result("sequential", 1, "time.thread_time_ns")


def run_threads(fn, is_async, cfg, k):
    crawl = Crawl(cfg, k)
    work = queue.Queue()
    lock = threading.Lock()
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
            ok, s, e, cpu, found, err = call_item(fn, is_async, q["item"], time.thread_time_ns)
            with lock:
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
                found = await asyncio.to_thread(lambda: collect(fn(item), H.thread_loop().run_until_complete))
            check_json(found)
            return True, start, start + (time.perf_counter_ns() - p0) / 1e6, found, None
        except asyncio.TimeoutError:
            err = {"kind": "timeout", "message": "timed out after %g s" % timeout_s}
        except BaseException as e:
            if isinstance(e, asyncio.CancelledError):
                raise
            err = H.describe_error(e)
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
        H.cap_memory(spec.memory_limit_mb)
        fn = getattr(H.load_target(spec), spec.function)
        is_async = H.is_async_callable(fn)
    except BaseException as e:
        results.put(("loadError", slot, H.describe_load_error(e)))
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
    spec = H.TargetSpec(cfg["load"])
    ctx = multiprocessing.get_context(H.start_method())
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
        spec = H.TargetSpec(cfg["load"])
        try:
            H.cap_memory(spec.memory_limit_mb, threads=k)
            fn = getattr(H.load_target(spec), spec.function)
        except BaseException as e:
            emit({"t": "loadError", "error": H.describe_load_error(e)})
            return
        is_async = H.is_async_callable(fn)
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
