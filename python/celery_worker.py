"""Celery side of the profiler's distributed executor (Redis as broker and result backend).

  celery_worker.py check              exits 0 when celery and redis are importable
  celery_worker.py worker <json>      a Celery worker running the user's function
  celery_worker.py drive <json>       the engine's producer: runs closed-loop points, seeds crawls

The engine (src/engine/distributed/celeryExecutor.ts) starts one driver and the local
workers; `workload-profiler worker` starts workers on other machines. The driver reads
one JSON point command per line on stdin and answers one JSON line on stdout; nothing
of the user's runs in it, so its stdout carries only protocol.
"""
import asyncio
import inspect
import json
import os
import socket
import sys
import threading
import time
import traceback
import types

import celery_crawl

TASK_NAME = "workload_profiler.run"
WORKER_KEY_PREFIX = "workload-profiler:workers:"
WORKER_TTL_S = 5
TARGET_MODULE = "__workload_target__"


def now_ms():
    return time.time_ns() / 1e6


def make_app(cfg):
    from celery import Celery

    app = Celery("workload_profiler", broker=cfg["redisUrl"], backend=cfg["redisUrl"])
    timeout_s = max(1.0, cfg.get("callTimeoutMs", 30000) / 1000.0)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        # acks_late + reject_on_worker_lost: a job whose worker process dies goes back on
        # the queue instead of being lost; the redis transport also restores messages of a
        # worker that vanished whole after the visibility timeout.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # Celery's default prefetch (4) stays: with 1, the Redis transport re-arms its BRPOP
        # only on a later event-loop tick, which added seconds of queue wait per task here.
        # The engine never has more jobs in flight than worker slots, so nothing queues
        # behind a busy worker's prefetched job.
        broker_transport_options={"visibility_timeout": int(timeout_s + 10)},
        result_expires=300,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )
    return app


def load_function(cfg):
    for p in reversed(cfg.get("sysPath", [])):
        if p not in sys.path:
            sys.path.insert(0, p)
    with open(cfg["sourcePath"], "rb") as f:
        code = compile(f.read(), cfg.get("displayPath", cfg["sourcePath"]), "exec", dont_inherit=True)
    module = types.ModuleType(TARGET_MODULE)
    module.__file__ = cfg.get("displayPath", cfg["sourcePath"])
    sys.modules[TARGET_MODULE] = module
    exec(code, module.__dict__)
    fn = getattr(module, cfg["function"], None)
    if not callable(fn):
        raise AttributeError("%s is not a function after import" % cfg["function"])
    return fn


def substitute(value, i):
    if value == "$i":
        return i
    if isinstance(value, list):
        return [substitute(v, i) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, i) for k, v in value.items()}
    return value


def run_worker(cfg):
    import redis
    from celery.signals import worker_ready

    fn = load_function(cfg)
    app = make_app(cfg)
    r = redis.Redis.from_url(cfg["redisUrl"])
    worker_id = "%s:%d" % (socket.gethostname(), os.getpid())
    timeout_s = max(1.0, cfg.get("callTimeoutMs", 30000) / 1000.0)

    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True, time_limit=timeout_s + 1)
    def run(self, payload):
        # Counted in Redis, so a retry after a worker died is seen whichever worker runs it.
        attempt = r.incr("workload-profiler:attempts:" + self.request.id)
        r.expire("workload-profiler:attempts:" + self.request.id, 300)
        out = {"worker": "%s:%d" % (socket.gethostname(), os.getpid()), "attempt": int(attempt)}
        c0 = time.thread_time_ns()
        out["startMs"] = now_ms()
        try:
            value = fn(*payload["args"])
            if inspect.isawaitable(value):
                value = asyncio.run(asyncio.wait_for(value, timeout_s))
            out["ok"] = True
            try:
                out["value"] = json.dumps(value)
            except (TypeError, ValueError) as e:
                out["value"] = json.dumps("[not JSON-serialisable: %s]" % e)
        except Exception as e:  # the user's error is a result, not a Celery failure (no retry)
            out["ok"] = False
            out["error"] = {"kind": type(e).__name__, "message": str(e), "stack": "".join(traceback.format_exception(type(e), e, e.__traceback__))[-4000:]}
        out["endMs"] = now_ms()
        out["cpuMs"] = (time.thread_time_ns() - c0) / 1e6
        return out

    # Queue mode: crawl items whose found items go back on this same queue.
    celery_crawl.register(app, fn, r, cfg)

    announcement = json.dumps(
        {"id": worker_id, "host": socket.gethostname(), "pid": os.getpid(), "concurrency": cfg["concurrency"], "local": bool(cfg.get("local")), "owner": cfg.get("owner")}
    )
    key = WORKER_KEY_PREFIX + cfg["queue"] + ":" + worker_id

    def beat():
        while True:
            try:
                r.set(key, announcement, ex=WORKER_TTL_S)
            except Exception:
                pass
            time.sleep(1)

    @worker_ready.connect
    def ready(**_):
        threading.Thread(target=beat, daemon=True).start()
        sys.stderr.write("CELERY-WORKER-READY %s\n" % worker_id)
        sys.stderr.flush()

    app.worker_main(
        [
            "worker",
            "--pool=%s" % cfg.get("pool", "prefork"),
            "--concurrency=%d" % cfg["concurrency"],
            "--queues=%s" % cfg["queue"],
            "--hostname=wp%d@%s" % (os.getpid(), socket.gethostname()),
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def run_driver(cfg):
    import redis

    app = make_app(cfg)
    r = redis.Redis.from_url(cfg["redisUrl"])
    queue = cfg["queue"]
    out = sys.stdout
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd.get("type") == "seed":
            res = {"admitted": celery_crawl.seed(app, r, cfg, cmd)}
        else:
            res = drive_point(app, queue, cmd)
        out.write(json.dumps(res) + "\n")
        out.flush()


def drive_point(app, queue, cmd):
    """K jobs in flight until the window closes: the same closed loop as every executor."""
    k = cmd["concurrency"]
    origin = now_ms()
    state = {"next": cmd["taskIndexStart"], "counted_launched": 0, "failed": 0}
    pending = {}
    tasks = []
    job_timeout_ms = cmd["jobTimeoutMs"]

    def can_launch():
        if state["failed"] >= cmd["maxErrors"]:
            return False
        return now_ms() - origin < cmd["durationMs"] or state["counted_launched"] < cmd["minTasks"]

    def launch():
        i = state["next"]
        state["next"] += 1
        counted = now_ms() - origin >= cmd["warmupMs"]
        if counted:
            state["counted_launched"] += 1
        payload = {"index": i, "args": substitute(cmd["args"], i), "enqueuedMs": now_ms(), "point": cmd["point"]}
        r = app.send_task(TASK_NAME, args=[payload], queue=queue)
        pending[r.id] = (i, counted, payload, len(json.dumps(payload).encode()))
        r.then(done)

    def done(r):
        seen = now_ms()
        entry = pending.pop(r.id, None)
        if entry is None:
            return
        i, counted, payload, sent = entry
        t = {"index": i, "counted": counted, "enqueuedMs": payload["enqueuedMs"], "seenMs": seen}
        if r.successful() and isinstance(r.result, dict):
            t["result"] = r.result
            t["bytes"] = sent + len(json.dumps(r.result).encode())
        else:
            t["failed"] = "%s: %s" % (type(r.result).__name__, r.result)
            t["bytes"] = sent
        if counted and not (t.get("result") or {}).get("ok"):
            state["failed"] += 1
        tasks.append(t)

    for _ in range(k):
        if can_launch():
            launch()
    while pending:
        app.backend.result_consumer.drain_events(timeout=0.05)
        now = now_ms()
        for tid, (i, counted, payload, sent) in list(pending.items()):
            if now - payload["enqueuedMs"] > job_timeout_ms:
                pending.pop(tid)
                tasks.append({"index": i, "counted": counted, "enqueuedMs": payload["enqueuedMs"], "seenMs": now, "failed": "timeout", "bytes": sent})
                if counted:
                    state["failed"] += 1
        while len(pending) < k and can_launch():
            launch()
    return {"tasks": tasks, "originMs": origin}


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "check":
        import celery  # noqa: F401
        import redis  # noqa: F401

        return
    cfg = json.loads(sys.argv[2])
    if mode == "worker":
        run_worker(cfg)
    elif mode == "drive":
        run_driver(cfg)
    else:
        sys.exit("usage: celery_worker.py check | worker <json> | drive <json>")


if __name__ == "__main__":
    main()
