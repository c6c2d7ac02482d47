"""What runs inside a process-pool worker: load the target once, warm up on the first
ping, then run calls. ProcessPoolExecutor pickles these functions by module and name, so
this module must import in the child: its directory is on the child's sys.path (forkserver
and spawn copy the parent's), and it imports nothing of the harness's host side.
"""
import os
import pickle
import signal
import time

from harness_calls import call_sync, is_async_callable, warm_up
from harness_errors import describe_error, exception_text
from harness_target import cap_memory, load_target, resolve_function, substitute

_worker = {}
# The harness tracks a pool call in flight from its submit; the worker needs no record.
_untracked = {}


def worker_init(spec):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    cap_memory(spec.memory_limit_mb)
    module = load_target(spec)
    fn = resolve_function(module, spec.function)
    _worker["fn"] = fn
    _worker["async"] = is_async_callable(fn)
    _worker["spec"] = spec
    _worker["loaded_ms"] = time.time_ns() / 1e6


def worker_ping(delay, args=None, policy=None):
    """A new worker's first ping warms it up (a task, not the initializer: a function
    that kills its process then breaks one ping, which the harness reports, instead of
    the pool's start); every ping holds the worker briefly so that concurrent pings
    land on distinct processes."""
    if "warmup" not in _worker:
        fn, is_async = _worker["fn"], _worker["async"]
        call_args = substitute(args or [], 0)

        def one():
            ok, s, e, _c, _r = call_sync(fn, is_async, call_args, time.process_time_ns, _untracked, 0)
            return ok, (e - s) / 1e6

        _worker["warmup"] = warm_up(one, policy)
    time.sleep(delay)
    return os.getpid(), _worker.get("loaded_ms"), _worker.get("warmup")


def worker_call(payload, timed):
    """Runs one call in a pool process. The result always crosses as bytes this side
    pickles (a result that can't be pickled is the call's failure, with its times); when
    `timed`, the args came pickled by the harness too, and both (un)picklings are timed,
    so the serialization cost is measured, not guessed.

    Returns (ok, start_ns, end_ns, cpu_ns, loads_ns, dumps_ns, result_blob, error), epoch ns."""
    loads_ns = dumps_ns = 0
    if timed:
        t0 = time.perf_counter_ns()
        payload = pickle.loads(payload)
        loads_ns = time.perf_counter_ns() - t0
    start_ns = time.time_ns()
    ok, p0, p1, cpu_ns, result = call_sync(_worker["fn"], _worker["async"], payload, time.process_time_ns, _untracked, 0)
    end_ns = start_ns + (p1 - p0)
    if not ok:
        return (False, start_ns, end_ns, cpu_ns, loads_ns, 0, None, describe_error(result, _worker["spec"].memory_limit_mb))
    t1 = time.perf_counter_ns()
    try:
        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:
        err = {"kind": "PicklingError", "message": "the result can't be pickled back from a process: %s" % exception_text(e), "stack": None}
        return (False, start_ns, end_ns, cpu_ns, loads_ns, 0, None, err)
    if timed:
        dumps_ns = time.perf_counter_ns() - t1
    return (True, start_ns, end_ns, cpu_ns, loads_ns, dumps_ns, blob, None)
