"""One measurement point on the harness side: the wire it reports on (JSON lines on fd 3,
task samples in batches) and the closed-loop bookkeeping every executor shares (who may
launch, which tasks count, what is in flight, the errors)."""
import json
import os
import threading
import time

from harness_contract import FLUSH_INTERVAL_S
from harness_target import substitute


class Channel(object):
    """JSON lines out on fd 3. Task samples are batched and flushed often."""

    def __init__(self, fd):
        self.out = os.fdopen(fd, "wb", buffering=0)
        self.lock = threading.Lock()
        self.reset_batch()
        self.last_flush = time.monotonic()

    def reset_batch(self):
        self.starts, self.ends, self.cpus, self.oks, self.errs = [], [], [], [], []

    def write_all(self, data):
        view = memoryview(data)
        while view:
            n = self.out.write(view)
            view = view[n:]

    def send(self, msg):
        data = (json.dumps(msg, default=str) + "\n").encode("utf-8")
        with self.lock:
            self.write_all(data)

    def task(self, start_ms, end_ms, cpu_ms, ok, err=None):
        with self.lock:
            if err is not None:
                self.errs.append([len(self.starts)] + err)
            self.starts.append(round(start_ms, 4))
            self.ends.append(round(end_ms, 4))
            self.cpus.append(None if cpu_ms is None else round(cpu_ms, 4))
            self.oks.append(1 if ok else 0)
        if time.monotonic() - self.last_flush > FLUSH_INTERVAL_S:
            self.flush()

    def flush(self):
        with self.lock:
            self.last_flush = time.monotonic()
            if not self.starts:
                return
            msg = {"t": "tasks", "s": self.starts, "e": self.ends, "c": self.cpus, "ok": self.oks, "err": self.errs}
            self.reset_batch()
            self.write_all((json.dumps(msg) + "\n").encode("utf-8"))


class Point(object):
    """Closed-loop bookkeeping shared by all executors: who may launch, what counts."""

    def __init__(self, chan, req):
        self.chan = chan
        self.concurrency = max(1, int(req["concurrency"]))
        self.duration_ms = float(req["durationMs"])
        self.min_tasks = int(req.get("minTasks", 0))
        self.warmup_ms = float(req.get("warmupMs", 0))
        self.next_index = int(req.get("taskIndexStart", 0))
        self.max_errors = int(req.get("maxErrors", 1 << 30))
        self.args = req.get("args", [])
        self.warmup = req.get("warmup")
        self.call_timeout_ms = float(req.get("callTimeoutMs") or 30000)
        # The largest K this executor may be asked for: the process pool makes room for it.
        self.pool_max = max(1, int(req.get("poolMax", 1)))
        self.errors = 0
        self.counted_launches = 0
        self.first_counted_start = None
        self.last_end = None
        self.inflight = {}  # token -> epoch ms start
        self.inflight_lock = threading.Lock()
        self.seen_errors = set()
        # Errors that ended the point without a counted task to carry them.
        self.point_errors = []
        self.t0 = None
        self.t0_ms = None

    def begin(self):
        self.t0 = time.perf_counter()
        self.t0_ms = time.time_ns() / 1e6

    def elapsed_ms(self):
        return (time.perf_counter() - self.t0) * 1000.0

    def may_launch(self):
        if self.errors >= self.max_errors:
            return False
        if self.elapsed_ms() < self.duration_ms:
            return True
        return self.counted_launches < self.min_tasks

    def launch(self):
        """Claims a task index and the args for it."""
        index = self.next_index
        self.next_index += 1
        if self.elapsed_ms() >= self.warmup_ms:
            self.counted_launches += 1
        return index, substitute(self.args, index)

    def started(self, token, start_ms):
        with self.inflight_lock:
            self.inflight[token] = start_ms

    def finished(self, token):
        with self.inflight_lock:
            self.inflight.pop(token, None)

    def oldest_inflight(self):
        with self.inflight_lock:
            return (min(self.inflight.values()) if self.inflight else None), len(self.inflight)

    def record(self, ok, start_ms, end_ms, cpu_ms, err=None):
        """Returns True when the task counted (started after the warm-up)."""
        if self.last_end is None or end_ms > self.last_end:
            self.last_end = end_ms
        if start_ms - self.t0_ms < self.warmup_ms:
            return False
        if not ok:
            # Only counted failures stop the point: warm-up ones would leave it empty.
            self.errors += 1
        if self.first_counted_start is None or start_ms < self.first_counted_start:
            self.first_counted_start = start_ms
        wire_err = None
        if err is not None:
            key = (err["kind"], err["message"])
            stack = None
            if key not in self.seen_errors:
                self.seen_errors.add(key)
                stack = err.get("stack")
            wire_err = [err["kind"], err["message"], stack]
        self.chan.task(start_ms, end_ms, cpu_ms, ok, wire_err)
        return True

    def summary(self):
        start = self.first_counted_start
        if start is None:
            start = self.t0_ms + self.warmup_ms
        end = self.last_end if self.last_end is not None else time.time_ns() / 1e6
        return {"startMs": start, "endMs": max(end, start), "pointStartMs": self.t0_ms, "errors": self.point_errors}



def closed_loop(point, submit, done, handle):
    """Keeps point.concurrency tasks in flight: `submit()` launches one whose future lands
    on the `done` queue, `handle(fut)` takes its outcome, and each end launches the next
    while the point may."""
    point.begin()
    running = 0
    for _ in range(point.concurrency):
        if not point.may_launch():
            break
        submit()
        running += 1
    while running:
        fut = done.get()
        running -= 1
        handle(fut)
        if point.may_launch():
            submit()
            running += 1
