"""What runs inside a process-pool worker: load the target once, warm up on the first
ping, then run calls. ProcessPoolExecutor pickles these functions by module and name, so
this module must import in the child: its directory is on the child's sys.path (forkserver
and spawn copy the parent's), and it imports nothing of the harness's host side.
"""
import inspect
import os
import pickle
import signal
import time

from harness_calls import as_coroutine, call_sync, is_async_callable, thread_loop, warm_up
from harness_errors import describe_error, exception_text
from harness_target import cap_memory, load_target, resolve_function, substitute

_worker = {}


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
            ok, s, e, _c, _r = call_sync(fn, is_async, call_args)
            return ok, e - s

        _worker["warmup"] = warm_up(one, policy)
    time.sleep(delay)
    return os.getpid(), _worker.get("loaded_ms"), _worker.get("warmup")


def worker_call(args_blob):
    """Runs in a pool process. Args and result cross as pickled bytes that this side
    (un)pickles itself, so the serialization cost is measured, not guessed."""
    t0 = time.perf_counter_ns()
    args = pickle.loads(args_blob)
    loads_ns = time.perf_counter_ns() - t0
    start_ms = time.time_ns() / 1e6
    p0 = time.perf_counter_ns()
    c0 = time.process_time_ns()
    try:
        if _worker["async"]:
            result = thread_loop().run_until_complete(_worker["fn"](*args))
        else:
            result = _worker["fn"](*args)
            if inspect.isawaitable(result):
                result = thread_loop().run_until_complete(as_coroutine(result))
        ok = True
    except BaseException as e:
        result, ok = e, False
    cpu_ms = (time.process_time_ns() - c0) / 1e6
    end_ms = start_ms + (time.perf_counter_ns() - p0) / 1e6
    if not ok:
        return (False, start_ms, end_ms, cpu_ms, loads_ns, 0, None, describe_error(result, _worker["spec"].memory_limit_mb))
    t1 = time.perf_counter_ns()
    try:
        blob = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:
        err = {"kind": "PicklingError", "message": "the result can't be pickled back from a process: %s" % exception_text(e), "stack": None}
        return (False, start_ms, end_ms, cpu_ms, loads_ns, 0, None, err)
    dumps_ns = time.perf_counter_ns() - t1
    return (True, start_ms, end_ms, cpu_ms, loads_ns, dumps_ns, blob, None)
