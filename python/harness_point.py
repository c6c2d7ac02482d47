"""One measurement point on the harness side: the wire it reports on (JSON lines on fd 3,
task samples in batches) and the closed-loop bookkeeping every executor shares (who may
launch, which tasks count, what is in flight, the errors)."""
import collections
import itertools
import json
import os
import threading
import time

from harness_contract import CONTRACT, FLUSH_INTERVAL_S, HEARTBEAT_INTERVAL_S, MONITOR_GRACE_S
from harness_target import substitute

# A window held open past its duration stops once it has this many counted calls
# (src/shared/pointContract.ts FULL_WINDOW_CALLS).
FULL_WINDOW_CALLS = int(CONTRACT["fullWindowCalls"])
_monotonic = time.monotonic


class Channel(object):
    """JSON lines out on fd 3. Task samples queue up as rows and leave in batches, flushed
    at least every FLUSH_INTERVAL_S (so a crash loses at most that much) by the point's
    own loop between calls (Point.serve), by the monitor thread during a long call, and at
    the end of each point.

    A task costs one deque append on the thread that recorded it (atomic, no lock): the
    columns, and their JSON, are built once per batch, in C (zip, the json encoder).
    Times cross as integer nanoseconds from the point's start (`base`, epoch ms), which
    JSON encodes and the engine parses far faster than floats."""

    def __init__(self, fd):
        self.out = os.fdopen(fd, "wb", buffering=0)
        self.lock = threading.Lock()
        # (start, end, cpu_ns or None, 1 or 0, [kind, message, stack] or None); start and
        # end in ns from base_ns, the epoch ns at which the current point began.
        self.rows = collections.deque()
        self.add = self.rows.append
        self.base_ns = 0

    def write_all(self, data):
        view = memoryview(data)
        while view:
            n = self.out.write(view)
            view = view[n:]

    def send(self, msg):
        data = (json.dumps(msg, default=str) + "\n").encode("utf-8")
        with self.lock:
            self.write_all(data)

    def flush(self):
        with self.lock:
            rows = self.rows
            n = len(rows)
            if not n:
                return
            # n poplefts, not a swap: a row appended meanwhile stays for the next batch.
            batch = list(itertools.starmap(rows.popleft, itertools.repeat((), n)))
            starts, ends, cpus, oks, errs = zip(*batch)
            msg = {
                "t": "tasks",
                "base": self.base_ns / 1e6,
                "s": starts,
                "e": ends,
                "c": cpus,
                "ok": oks,
                "err": [[i] + err for i, err in enumerate(errs) if err is not None] if errs.count(None) < n else [],
            }
            self.write_all((json.dumps(msg) + "\n").encode("utf-8"))


class Point(object):
    """Closed-loop bookkeeping shared by all executors: who may launch, what counts.

    Tasks report perf_counter_ns readings (plus offset_ns, taken once per point, they are epoch
    time) or, from pool processes, epoch nanoseconds."""

    def __init__(self, chan, req):
        self.chan = chan
        self.add_row = chan.add
        self.concurrency = max(1, int(req["concurrency"]))
        self.duration_s = float(req["durationMs"]) / 1000.0
        # Epoch ms until which the window stays open, while short of FULL_WINDOW_CALLS
        # counted calls, when warm-up ended sooner than planned (PointRequest.windowUntilMs).
        self.window_until_ms = req.get("windowUntilMs")
        self.min_tasks = int(req.get("minTasks", 0))
        self.warmup_ms = float(req.get("warmupMs", 0))
        self.next_index = int(req.get("taskIndexStart", 0))
        self.max_errors = int(req.get("maxErrors", 1 << 30))
        self.args = req.get("args", [])
        # Arguments with no "$i" and nothing mutable are the same for every call: one list
        # serves them all (a call gets *args, never the list itself).
        self.fixed_args = all(isinstance(a, (int, float, bool, type(None))) or (isinstance(a, str) and "$i" not in a) for a in self.args)
        self.warmup = req.get("warmup")
        self.call_timeout_ms = float(req.get("callTimeoutMs") or 30000)
        # The largest K this executor may be asked for: the process pool makes room for it.
        self.pool_max = max(1, int(req.get("poolMax", 1)))
        self.errors = 0
        self.counted_launches = 0
        # Epoch ns; sentinels rather than None keep record() to two comparisons.
        self.first_counted_start = float("inf")
        self.last_end = -1
        # token -> perf_counter_ns at its start. Plain dict stores and pops are atomic under
        # the GIL (and locked per dict on free-threaded builds): no lock on the task's path.
        self.inflight = {}
        self.seen_errors = set()
        # Errors that ended the point without a counted task to carry them.
        self.point_errors = []
        self.offset_ns = time.time_ns() - time.perf_counter_ns()
        # The loop that runs the point flushes rows and sends heartbeats between calls
        # (serve); the harness's monitor thread steps in only once that loop has been
        # inside one call for monitor_grace_s. A thread that wakes in the middle of a call
        # and leaves an object alive pins the memory arenas the call's temporary objects
        # filled, so CPython stops handing them back to the OS, and the next call skips
        # mapping and faulting them in again: ElementTree.fromstring of 8,000 elements ran
        # 13 ms a call in the harness, with the monitor flushing mid-call every 100 ms,
        # against 26-28 ms in a plain loop and in a ProcessPoolExecutor's workers (about
        # 1,000 page faults a call, costly under this sandbox's kernel), and processes x2
        # read 0.9x where bare pools gave 1.6-1.8x.
        self.served_at = time.monotonic()
        self.next_flush = self.served_at + FLUSH_INTERVAL_S
        self.next_beat = self.served_at + HEARTBEAT_INTERVAL_S
        # The sooner of the two: serve() between calls is one clock read and one comparison.
        self.next_due = min(self.next_flush, self.next_beat)
        # A short call timeout still hears of a hung call well before it expires.
        self.monitor_grace_s = min(MONITOR_GRACE_S, self.call_timeout_ms / 4000.0)
        self.t0 = None
        self.t0_ns = None
        self.count_from_ns = None

    def begin(self):
        self.t0 = time.perf_counter()
        self.t0_ns = self.chan.base_ns = time.time_ns()
        self.count_from_ns = self.t0_ns + self.warmup_ms * 1e6
        self.warmup_ends = self.t0 + self.warmup_ms / 1000.0
        self.launch_ends = self.t0 + self.duration_s
        until_s = (float(self.window_until_ms) - self.t0_ns / 1e6) / 1000.0 if self.window_until_ms is not None else 0.0
        self.open_until = self.t0 + until_s

    def claim(self):
        """The next task's (index, args), or None once the point launches no more: after
        maxErrors counted failures, or past the duration with minTasks counted launches."""
        if self.errors >= self.max_errors:
            return None
        now = time.perf_counter()
        if now >= self.launch_ends and self.counted_launches >= self.min_tasks:
            if now >= self.open_until or self.counted_launches >= FULL_WINDOW_CALLS:
                return None
        index = self.next_index
        self.next_index += 1
        if now >= self.warmup_ends:
            self.counted_launches += 1
        return index, (self.args if self.fixed_args else substitute(self.args, index))

    def serve(self):
        """Called by the point's loop between calls: flushes the rows and sends a heartbeat
        when they are due, so the monitor thread has nothing to do while calls run."""
        now = self.served_at = _monotonic()
        if now >= self.next_due:
            self.service(now)

    def unserved(self):
        """True once the point's loop has been inside one call for monitor_grace_s: the
        monitor thread then services the point for it."""
        return time.monotonic() - self.served_at > self.monitor_grace_s

    def service(self, now):
        """Flushes the rows and tells the engine the oldest call in flight, each when due:
        from the point's loop (serve), or from the monitor thread during a long call, so
        the engine can enforce the per-call timeout even when a call never returns."""
        if now >= self.next_flush:
            self.next_flush = now + FLUSH_INTERVAL_S
            self.chan.flush()
        if now >= self.next_beat:
            self.next_beat = now + HEARTBEAT_INTERVAL_S
            oldest, n = self.oldest_inflight()
            self.chan.send({"t": "hb", "oldest": oldest, "inflight": n})
        self.next_due = min(self.next_flush, self.next_beat)

    def oldest_inflight(self):
        """(epoch ms of the oldest call in flight or None, how many are in flight)."""
        while True:
            try:
                starts = list(self.inflight.values())
                break
            except RuntimeError:  # resized while copied (only without a GIL): try again
                continue
        return ((min(starts) + self.offset_ns) / 1e6 if starts else None), len(starts)

    def record(self, ok, start_ns, end_ns, cpu_ns, err=None):
        """One finished task, in epoch ns. Returns True when it counted (started after the warm-up)."""
        if end_ns > self.last_end:
            self.last_end = end_ns
        if start_ns < self.count_from_ns:
            return False
        if start_ns < self.first_counted_start:
            self.first_counted_start = start_ns
        if ok and err is None:
            self.add_row((start_ns - self.t0_ns, end_ns - self.t0_ns, cpu_ns, 1, None))
            return True
        if not ok:
            # Only counted failures stop the point: warm-up ones would leave it empty.
            self.errors += 1
        wire_err = None
        if err is not None:
            key = (err["kind"], err["message"])
            stack = None
            if key not in self.seen_errors:
                self.seen_errors.add(key)
                stack = err.get("stack")
            wire_err = [err["kind"], err["message"], stack]
        self.add_row((start_ns - self.t0_ns, end_ns - self.t0_ns, cpu_ns, 1 if ok else 0, wire_err))
        return True

    def summary(self):
        start = self.first_counted_start
        if start == float("inf"):
            start = self.count_from_ns
        end = self.last_end if self.last_end >= 0 else time.time_ns()
        return {"startMs": start / 1e6, "endMs": max(end, start) / 1e6, "pointStartMs": self.t0_ns / 1e6, "errors": self.point_errors}


def closed_loop(point, submit, done, handle):
    """Keeps point.concurrency tasks in flight: `submit(index, args)` launches one whose
    future lands on the `done` queue, `handle(fut)` records its outcome, and each end
    launches the next while the point may. The outcome is recorded before the next
    launch: it may be the failure that ends the point, and submitting first measured no
    faster (the pool's threads only wait for the GIL while the outcome is recorded)."""
    point.begin()
    running = 0
    for _ in range(point.concurrency):
        task = point.claim()
        if task is None:
            break
        submit(*task)
        running += 1
    while running:
        fut = done.get()
        running -= 1
        handle(fut)
        point.serve()
        task = point.claim()
        if task is not None:
            submit(*task)
            running += 1
