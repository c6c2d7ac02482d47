"""Queue mode's shared pieces for python/queue_harness.py: the frontier (dedupe of
JSON-equal items, --max-items, retry once; mirrors src/shared/queue/frontier.ts), one call
of the user's function with the items it found collected, and a crawl's records."""

import inspect
import json
import time

from harness_calls import as_coroutine, clock_cost, thread_loop
from harness_errors import describe_error

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
    """One call in this thread: (ok, start_ms, end_ms, cpu_ms, found, error). The CPU
    clock is read outside the wall clock's readings, less its own cost, as call_sync does."""
    cost = clock_cost(cpu_clock)
    c0 = cpu_clock()
    start = now_ms()
    p0 = time.perf_counter_ns()
    try:
        if is_async:
            found = thread_loop().run_until_complete(drain_coroutine(fn(item)))
        else:
            result = fn(item)
            if inspect.isawaitable(result):
                result = thread_loop().run_until_complete(as_coroutine(result))
            found = collect(result, thread_loop().run_until_complete)
        check_json(found)
        ok, error = True, None
    except BaseException as e:  # SystemExit too: it is the function's doing
        ok, found, error = False, [], describe_error(e)
    p1 = time.perf_counter_ns()
    cpu = max(0, cpu_clock() - c0 - cost) / 1e6
    return ok, start, start + (p1 - p0) / 1e6, cpu, found, error


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
        self.inflight = {}  # slot -> (q, start ms), for the watchdog
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
