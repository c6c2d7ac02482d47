"""Queue mode on the Celery workers of the distributed executor (mirrors
src/hosted/lib/queue/crawlJob.ts for BullMQ).

Each task is one item of a crawl: call the user's function with it, then let the crawl
script (src/shared/distributed/crawlProtocol.ts, handed over in the config) admit the
items it found, atomically in Redis (dedupe of JSON-equal items, --max-items), and
put the admitted ones back on the same Celery queue with send_task. A failed first
attempt goes back on the queue for its one retry; the attempt count includes the times
the broker handed the task out again after a worker died (acks_late), so a task whose
worker died twice is failed without a third call. The driver (celery_worker.py drive)
seeds a crawl the same way.
"""
import json
import math
import os
import socket
import threading
import time

import harness as H
from queue_core import MAX_ATTEMPTS, call_item, canonical_key, now_ms

TASK_NAME = "workload_profiler.item"


def crawl_keys(crawl):
    p = "workload-profiler:crawl:%s:" % crawl
    return [p + "state", p + "seen", p + "final", p + "events"]


def script_args(mode, job, ev, found):
    args = [mode, str(job["maxItems"]), "1" if job["dedupe"] else "0", str(job["id"]), json.dumps(ev) if ev is not None else ""]
    for x in found:
        args += [canonical_key(x) if job["dedupe"] else "", json.dumps(x)]
    return args


def admitted_items(reply):
    """The script's reply as (id, item) pairs; None once the crawl is over."""
    if not isinstance(reply, list):
        return None
    return [(int(reply[i]), json.loads(reply[i + 1])) for i in range(0, len(reply) - 1, 2)]


def enqueue(app, queue, jobs):
    for job in jobs:
        app.send_task(TASK_NAME, args=[job], queue=queue, task_id="%s-%d-%d" % (job["crawl"], job["id"], job["attempt"]))


def seed(app, r, cfg, cmd):
    """The driver's part: admit the seeds through the script and queue them. Returns how many."""
    script = r.register_script(cfg["crawlScript"])
    t = cmd["job"]
    out = admitted_items(script(keys=crawl_keys(t["crawl"]), args=script_args("seed", t, None, cmd["seeds"]))) or []
    at = now_ms()
    enqueue(app, cfg["queue"], [dict(t, id=i, item=item, enqueuedMs=at) for i, item in out])
    return len(out)


class Slots(object):
    """The lowest free job slot of this worker process (one with the prefork pool, more with threads)."""

    def __init__(self):
        self.used = set()
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            s = 0
            while s in self.used:
                s += 1
            self.used.add(s)
            return s

    def give(self, s):
        with self.lock:
            self.used.discard(s)


def register(app, fn, r, cfg):
    """Registers the crawl task on the worker's app."""
    script = r.register_script(cfg["crawlScript"])
    is_async = H.is_async_callable(fn)
    timeout_s = max(1.0, cfg.get("callTimeoutMs", 30000) / 1000.0)
    slots = Slots()

    def step(job, mode, ev, found=()):
        return script(keys=crawl_keys(job["crawl"]), args=script_args(mode, job, ev, list(found)))

    # soft_time_limit raises inside the call (a failed attempt, retried once); the hard
    # limit behind it ends a call that ignores it. No result is stored: the event the
    # script pushes is the result, and nothing of a crawl stays in the user's Redis.
    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, soft_time_limit=timeout_s, time_limit=timeout_s + 5)
    def item(self, job):
        counter = "workload-profiler:attempts:" + self.request.id
        started = int(r.incr(counter))
        r.expire(counter, 600)
        slot = slots.take()
        try:
            run_job(job, started, slot)
        finally:
            slots.give(slot)

    def run_job(job, started, slot):
        attempt = job["attempt"] + started - 1
        base = {"id": job["id"], "parent": job["parent"], "depth": job["depth"], "enqueuedMs": job["enqueuedMs"], "attempt": attempt,
                "redelivered": started > 1, "worker": "%s:%d" % (socket.gethostname(), os.getpid()), "slot": slot,
                "bytes": len(json.dumps(job).encode())}
        now = now_ms()
        if now >= job["deadlineMs"]:
            step(job, "final", dict(base, startMs=now, endMs=now, ok=False, final=True, skipped=True, cpuMs=None, found=0))
            return
        if attempt > MAX_ATTEMPTS:
            ok, start, end, cpu, found = False, now, now, None, []
            err = {"kind": "worker-died", "message": "the worker running it died on each of its %d attempts" % MAX_ATTEMPTS}
        else:
            ok, start, end, cpu, found, err = call_item(fn, is_async, job["item"], time.thread_time_ns)
        ev = dict(base, startMs=start, endMs=end, ok=ok, final=ok or attempt >= MAX_ATTEMPTS,
                  cpuMs=cpu if cpu is not None and math.isfinite(cpu) else None, found=len(found))
        if err:
            ev["error"] = {k: err[k] for k in ("kind", "message", "stack") if k in err}
        if not ev["final"]:
            # The event first: the engine sees the failed attempt before the retry's record.
            step(job, "attempt", ev)
            enqueue(app, cfg["queue"], [dict(job, attempt=attempt + 1, enqueuedMs=now_ms())])
            return
        out = admitted_items(step(job, "final", ev, found))
        if out:
            at = now_ms()
            enqueue(app, cfg["queue"], [dict(job, id=i, item=x, parent=job["id"], depth=job["depth"] + 1, enqueuedMs=at, attempt=1) for i, x in out])

    return item
