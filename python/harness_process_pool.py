"""The process executor, host side: one ProcessPoolExecutor for the whole ladder, grown
as K climbs with every new worker warmed up before it counts, and the closed loop of
calls whose arguments and results cross as pickles (the cost the report states)."""
import concurrent.futures
import concurrent.futures.process
import multiprocessing
import pickle
import queue
import time

from harness_calls import fold_warmups
from harness_contract import CONTRACT, start_method
from harness_errors import dead_worker_error, describe_error, exception_text
from harness_point import closed_loop
from harness_pool_worker import worker_call, worker_init, worker_ping

# The pickling of args and results is timed on the first call and every this many.
SAMPLE_EVERY = CONTRACT["serializationSampleEvery"]


class ProcessExecutor(object):
    def __init__(self, spec):
        self.spec = spec
        self.process_pool = None
        self.process_pool_size = 0
        self.process_pool_known = set()

    def ensure_workers(self, k, point):
        """At least k warm processes in one pool for the whole ladder. Returns (cold, error):
        the new workers' cold-start figures (None when no worker was added), and the error
        that broke the pool while it started or warmed up (a worker that died or hung in a
        warm-up call), which the point then reports like a failed call.

        The pool is made once with room for the largest K (point.poolMax): with
        forkserver or spawn, ProcessPoolExecutor starts processes on demand, so it grows
        as K does and keeps the warm ones. (With fork it starts them all at once.)"""
        if self.process_pool is not None and self.process_pool_size >= k:
            return None, None
        if self.process_pool is None:
            ctx = multiprocessing.get_context(start_method())
            self.process_pool = concurrent.futures.ProcessPoolExecutor(
                max(k, point.pool_max), mp_context=ctx, initializer=worker_init, initargs=(self.spec,)
            )
            self.process_pool_known = set()
        pool = self.process_pool
        t0 = time.time_ns() / 1e6
        # Start, import and warm up k workers before the measured window: k pings held
        # at once each need their own process, and a new process warms up on its first.
        # A warm-up call gets the call timeout, as a measured call would.
        timeout_s = point.call_timeout_ms / 1000.0
        budget_s = 10 + float((point.warmup or {}).get("maxMs", 0)) / 1000.0 + 2 * min(timeout_s, 600)
        deadline = time.perf_counter() + budget_s
        seen = {}
        while len(seen) < k:
            futures = [pool.submit(worker_ping, 0.05, point.args, point.warmup) for _ in range(k)]
            wait_s = max(0.0, deadline - time.perf_counter())
            done, stuck = concurrent.futures.wait(futures, timeout=wait_s)
            if stuck:
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    try:
                        proc.kill()
                    except (OSError, ValueError):
                        pass
                self.shutdown()
                secs = ("%.2f" % timeout_s).rstrip("0").rstrip(".")
                return None, {"kind": "timeout", "message": "timed out after %s s; its Python process group was killed" % secs, "stack": None}
            try:
                for fut in done:
                    pid, loaded_ms, warm = fut.result()
                    seen[pid] = (loaded_ms, warm)
            except concurrent.futures.process.BrokenProcessPool:
                err = dead_worker_error(pool)
                self.shutdown()
                return None, err
        new = {pid: v for pid, v in seen.items() if pid not in self.process_pool_known}
        self.process_pool_known.update(seen)
        self.process_pool_size = max(self.process_pool_size, k)
        if not new:
            return None, None
        loaded = [v[0] for v in new.values() if v[0] is not None]
        start_ms = (max(loaded) - t0) / max(1, len(loaded)) if loaded else None
        return fold_warmups([v[1] for v in new.values()], start_ms), None

    def shutdown(self):
        pool, self.process_pool, self.process_pool_size = self.process_pool, None, 0
        if pool is not None:
            try:
                pool.shutdown(wait=True, cancel_futures=True)
            except Exception:
                pass


    def run(self, point):
        k = point.concurrency
        cold, broke = self.ensure_workers(k, point)
        if broke is not None:
            # No window opens: the point ends with the error, as if its first call had failed.
            point.begin()
            point.point_errors.append(broke)
            return {"startMethod": start_method()}
        pool = self.process_pool
        done = queue.SimpleQueue()  # as run_threads: no Python-level lock per task
        ser = {"ns": 0, "bytes": 0, "n": 0}
        broken = []
        pending = {}
        inflight = point.inflight
        launched = [0]

        def submit(index, args):
            # The first call and every SAMPLE_EVERY-th after it also time the pickling
            # (as the JS runtimes sample theirs); the others hand the args to the pool.
            timed = launched[0] % SAMPLE_EVERY == 0
            launched[0] += 1
            dumps_ns = nbytes = 0
            if timed:
                t0 = time.perf_counter_ns()
                args = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
                dumps_ns = time.perf_counter_ns() - t0
                nbytes = len(args)
            submitted = inflight[index] = time.perf_counter_ns()
            try:
                fut = pool.submit(worker_call, args, timed)
            except Exception as e:  # pool already broken
                fut = concurrent.futures.Future()
                fut.set_exception(e)
            pending[fut] = (index, timed, dumps_ns, nbytes, submitted)
            fut.add_done_callback(done.put)

        def handle(fut):
            index, timed, dumps_ns, nbytes, submitted = pending.pop(fut)
            inflight.pop(index, None)
            try:
                ok, s, e, c, loads_ns, rdumps_ns, blob, err = fut.result()
            except BaseException as ex:
                # No times from the worker: the call spans its submit to now.
                dead = isinstance(ex, concurrent.futures.process.BrokenProcessPool)
                err = dead_worker_error(pool) if dead else describe_error(ex)
                counted = point.record(False, submitted + point.offset_ns, time.time_ns(), None, err)
                if dead:
                    broken.append(index)
                    point.max_errors = 0  # a broken pool runs nothing more this point
                    if not counted:
                        point.point_errors.append(err)  # during warm-up: still say why the point ended
                return
            total_ns = dumps_ns + loads_ns + rdumps_ns
            if ok:
                # The result is unpickled, as the user's pool hands it back; timed when sampled.
                t0 = time.perf_counter_ns()
                try:
                    pickle.loads(blob)
                except Exception as ex:
                    ok, err = False, {"kind": "PicklingError", "message": "the result can't be unpickled: %s" % exception_text(ex), "stack": None}
                total_ns += time.perf_counter_ns() - t0
                nbytes += len(blob)
            if point.record(ok, s, e, c, err) and timed:
                ser["ns"] += total_ns
                ser["bytes"] += nbytes
                ser["n"] += 1

        closed_loop(point, submit, done, handle)
        if broken:
            self.shutdown()
        out = {"startMethod": start_method()}
        if cold is not None:
            out["coldStart"] = cold
        if ser["n"]:
            out["serialization"] = {"msPerTask": ser["ns"] / ser["n"] / 1e6, "bytesPerTask": ser["bytes"] / ser["n"]}
        return out
