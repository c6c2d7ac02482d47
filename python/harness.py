"""Workload Profiler's Python harness, run with the user's own interpreter.

Subcommands:
  list   read Python source on stdin, print its top-level functions and other bindings (JSON)
  info   print interpreter facts (JSON)
  serve  host one target module and run measurement "points" on command

`serve` talks to the engine over two dedicated pipes, never stdin/stdout: commands arrive
as JSON lines on fd 4 and results leave as JSON lines on fd 3. The user's module may
print, read stdin or write to fd 1 from C code without corrupting the stream, and every
batch already written survives a crash of this process.

Python 3.9+ and the standard library only.
"""
import ast
import asyncio
import concurrent.futures
import concurrent.futures.process
import inspect
import json
import linecache
import multiprocessing
import os
import pickle
import queue
import re
import signal
import sys
import threading
import time
import traceback
import types

TARGET_MODULE = "_workload_target"
HARNESS_FILE = os.path.abspath(__file__)
# Batches are flushed at least this often, so a crash loses at most this much.
FLUSH_INTERVAL_S = 0.1
# The point contract shared with the engine (src/shared/pointContract.ts).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "point_contract.json"), encoding="utf-8") as _f:
    CONTRACT = json.load(_f)
HEARTBEAT_INTERVAL_S = 0.2
# The thread pool grows on demand up to this (the engine's thread ladder cap).
THREAD_POOL_MAX = 256
MAX_STACK_CHARS = CONTRACT["maxStackChars"]
# Each failure carries its message over the pipe: a 5 MB message times every call would
# swamp both ends (the JS runtimes clip at the same length).
MAX_MESSAGE_CHARS = CONTRACT["maxMessageChars"]


def start_method():
    # fork is unsafe with threads (and gone as a default on macOS); forkserver starts
    # workers fastest where it exists, spawn everywhere else.
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux") and "forkserver" in methods:
        return "forkserver"
    return "spawn"


def gil_enabled():
    probe = getattr(sys, "_is_gil_enabled", None)
    return bool(probe()) if probe is not None else True


def interpreter_info():
    return {
        "executable": sys.executable,
        "version": "%d.%d.%d" % sys.version_info[:3],
        "versionInfo": list(sys.version_info[:3]),
        "implementation": sys.implementation.name,
        "gilEnabled": gil_enabled(),
        "startMethod": start_method(),
        "platform": sys.platform,
    }


# ---------------------------------------------------------------------------- list


def name_column(lines, node):
    """0-based column of the function's name (ast gives the `def`/`async` keyword)."""
    if node.lineno - 1 >= len(lines):
        return node.col_offset
    text = lines[node.lineno - 1]
    at = text.find(node.name, node.col_offset)
    return at if at >= 0 else node.col_offset


def list_bindings(source):
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        return {
            "error": {
                "line": e.lineno or 1,
                "col": e.offset or 1,
                "msg": e.msg or "invalid syntax",
                "text": (e.text or "").rstrip("\n"),
            }
        }
    except (ValueError, RecursionError, MemoryError, OverflowError) as e:
        # Null bytes (ValueError before 3.11.4) and nesting too deep for the parser
        # (MemoryError / RecursionError) would otherwise end the list with a traceback.
        why = "the code nests too deeply for Python's parser" if not isinstance(e, ValueError) else exception_text(e)
        return {"error": {"line": 1, "col": 1, "msg": why, "text": ""}}
    lines = source.splitlines()
    functions = {}
    others = {}

    def drop_members(name):
        for table in (functions, others):
            for key in [k for k in table if k.startswith(name + ".")]:
                table.pop(key)

    def bind_other(name, what, line):
        functions.pop(name, None)
        drop_members(name)
        others[name] = {"name": name, "what": what, "line": line}

    def bind_targets(target, line):
        if isinstance(target, ast.Name):
            bind_other(target.id, "variable", line)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                bind_targets(elt, line)
        elif isinstance(target, ast.Starred):
            bind_targets(target.value, line)

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # A later binding of the same name wins, as it does at import time.
            others.pop(node.name, None)
            drop_members(node.name)
            decorator_line = min((d.lineno for d in node.decorator_list), default=None)
            functions.pop(node.name, None)
            functions[node.name] = {
                "name": node.name,
                "line": node.lineno,
                "column": name_column(lines, node),
                "endLine": getattr(node, "end_lineno", None) or node.lineno,
                "isAsync": isinstance(node, ast.AsyncFunctionDef),
                "decoratorLine": decorator_line,
                "decorators": len(node.decorator_list),
            }
        elif isinstance(node, ast.ClassDef):
            # bind_other also drops the methods of an earlier class of that name.
            bind_other(node.name, "class", node.lineno)
            for member in class_methods(node, lines):
                if member["kind"] is None:
                    # Named in "needs an instance" errors, never profiled.
                    others[member["name"]] = {"name": member["name"], "what": "method that needs an instance", "line": member["line"]}
                else:
                    functions[member["name"]] = member
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                bind_targets(t, node.lineno)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            bind_targets(node.target, node.lineno)
    return {"functions": list(functions.values()), "others": list(others.values())}


def method_kind(node):
    """"staticmethod" or "classmethod" when a plain decorator says so, else None."""
    for d in node.decorator_list:
        if isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod"):
            return d.id
    return None


def class_methods(cls, lines):
    """The methods of a top-level class, as "Class.method": static and class methods
    (kind set) can be called without an instance; plain instance methods (kind None) are
    returned only so errors can name them. Nested classes are left out."""
    found = {}
    for node in cls.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            # A later assignment of the same name in the class body replaces the def.
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        found.pop(t.id, None)
            continue
        kind = method_kind(node)
        found.pop(node.name, None)
        if kind is None and (node.decorator_list or not (node.args.posonlyargs or node.args.args)):
            # A property, another decorator, or no `self`: not plainly an instance method.
            continue
        found[node.name] = {
            "name": "%s.%s" % (cls.name, node.name),
            "line": node.lineno,
            "column": name_column(lines, node),
            "endLine": getattr(node, "end_lineno", None) or node.lineno,
            "isAsync": isinstance(node, ast.AsyncFunctionDef),
            "decoratorLine": min((d.lineno for d in node.decorator_list), default=None),
            "decorators": len(node.decorator_list),
            "kind": kind,
        }
    return list(found.values())


# ------------------------------------------------------------------- target loading


def resolve_function(module, name):
    """The callable named "f" or "Class.method" (one dot, as list_bindings gives), or
    None. getattr on the class gives the plain function of a staticmethod and the bound
    method of a classmethod, which is how a caller would reach them."""
    owner = module
    parts = name.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    return getattr(owner, parts[-1], None)



class TargetSpec(object):
    """Where the module lives, what to call, and the memory cap; shipped to pool workers."""

    def __init__(self, cfg):
        self.source_path = cfg["sourcePath"]
        self.display_path = cfg["displayPath"]
        self.function = cfg["function"]
        self.sys_path = [p for p in cfg.get("sysPath", []) if p]
        self.memory_limit_mb = cfg.get("memoryLimitMb") or 0


def load_target(spec):
    """Imports the user's file by path under a non-main name, so `if __name__ ==
    "__main__"` blocks stay put. Tracebacks and linecache name the user's own file even
    when the text came from an unsaved buffer written to a temp file."""
    for p in reversed(spec.sys_path):
        if p not in sys.path:
            sys.path.insert(0, p)
    existing = sys.modules.get(TARGET_MODULE)
    if existing is not None and getattr(existing, "__workload_spec__", None) == spec.source_path:
        return existing
    with open(spec.source_path, "rb") as f:
        raw = f.read()
    code = compile(raw, spec.display_path, "exec", dont_inherit=True)
    if spec.source_path != spec.display_path:
        text = raw.decode("utf-8", "replace")
        # mtime None: linecache.checkcache keeps the entry instead of re-reading disk.
        linecache.cache[spec.display_path] = (len(text), None, text.splitlines(True), spec.display_path)
    module = types.ModuleType(TARGET_MODULE)
    module.__file__ = spec.display_path
    module.__workload_spec__ = spec.source_path
    # Registered before exec so dataclasses, pickling and self-references resolve.
    sys.modules[TARGET_MODULE] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(TARGET_MODULE, None)
        raise
    return module


def user_traceback(exc):
    """The traceback without the harness's own frames, so it starts in the user's file."""
    tb = exc.__traceback__
    frames = [f for f in traceback.extract_tb(tb) if os.path.abspath(f.filename) != HARNESS_FILE]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    text = "".join(lines)
    if len(text) > MAX_STACK_CHARS:
        text = text[: MAX_STACK_CHARS - 3] + "..."
    return text


def exception_text(exc):
    """str(exc), clipped, and never raising: a __str__ that fails is the user's bug to report, not ours."""
    try:
        text = str(exc)
    except BaseException:
        text = "<%s: str() failed>" % type(exc).__name__
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 3] + "..."
    return text


def describe_error(exc, memory_limit_mb=0):
    if isinstance(exc, SystemExit):
        return {
            "kind": "exit",
            "message": "the function called sys.exit(%r); SystemExit was caught so the run could go on" % (exc.code,),
            "stack": user_traceback(exc),
        }
    if isinstance(exc, MemoryError):
        cap = (" (the %d MB memory cap)" % memory_limit_mb) if memory_limit_mb else ""
        return {"kind": "out-of-memory", "message": "MemoryError: the call ran out of memory%s" % cap, "stack": user_traceback(exc)}
    message = exception_text(exc)
    return {"kind": type(exc).__name__, "message": message, "stack": user_traceback(exc)}


def describe_load_error(exc):
    err = describe_error(exc)
    if isinstance(exc, SyntaxError):
        err["line"] = exc.lineno or 1
        err["col"] = exc.offset or 1
        err["message"] = exc.msg or "invalid syntax"
    return err


# "$i" as a token: not followed by [A-Za-z0-9_] (ASCII, as in src/shared/args.ts).
INDEX_TOKEN = re.compile(r"\$i(?![A-Za-z0-9_])")


def substitute(value, index):
    """The "$i" rule, the same as src/shared/args.ts substituteIndex (a contract test runs
    one table through both): exactly "$i" becomes the int index; inside a longer string
    every "$i" token becomes its decimal digits ("user-$i" -> "user-7"), while "$id" and
    "$index" stay text; dict keys are never rewritten."""
    if isinstance(value, str):
        if value == "$i":
            return index
        return INDEX_TOKEN.sub(lambda _m: str(index), value) if "$i" in value else value
    if isinstance(value, list):
        return [substitute(v, index) for v in value]
    if isinstance(value, dict):
        return dict((k, substitute(v, index)) for k, v in value.items())
    return value


def vm_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return 0


def cap_memory(limit_mb, threads=0):
    """Caps address space at what the process already maps plus the allowance, with room
    for thread stacks, so a runaway allocation raises MemoryError instead of swapping."""
    if not limit_mb:
        return
    try:
        import resource
    except ImportError:
        return
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        stack = threading.stack_size() or 8 * 1024 * 1024
        soft = vm_bytes() + limit_mb * 1024 * 1024 + threads * stack + 64 * 1024 * 1024
        if hard != resource.RLIM_INFINITY and soft > hard:
            soft = hard
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ValueError, OSError):
        pass  # macOS rejects RLIMIT_AS changes; the cap is best effort there.


# ----------------------------------------------------------------- timed execution


class TimedCoroutine(object):
    """Drives a coroutine step by step and adds up the thread CPU time of its own steps,
    which is this task's CPU even while other tasks interleave on the same loop."""

    def __init__(self, coro):
        self.coro = coro
        self.cpu_ns = 0

    def __await__(self):
        coro = self.coro
        value, exc = None, None
        while True:
            t0 = time.thread_time_ns()
            try:
                if exc is not None:
                    yielded = coro.throw(exc)
                else:
                    yielded = coro.send(value)
            except StopIteration as stop:
                self.cpu_ns += time.thread_time_ns() - t0
                return stop.value
            except BaseException:
                self.cpu_ns += time.thread_time_ns() - t0
                raise
            self.cpu_ns += time.thread_time_ns() - t0
            try:
                value = yield yielded
                exc = None
            except BaseException as e:  # thrown in by the loop (e.g. cancellation)
                value, exc = None, e


async def as_coroutine(awaitable):
    return await awaitable


def is_async_callable(fn):
    """async def, also behind decorators that keep __wrapped__ (functools.wraps)."""
    return asyncio.iscoroutinefunction(fn) or inspect.iscoroutinefunction(inspect.unwrap(fn))


_thread_state = threading.local()


def thread_loop():
    loop = getattr(_thread_state, "loop", None)
    if loop is None or loop.is_closed():
        loop = asyncio.new_event_loop()
        _thread_state.loop = loop
    return loop


def call_sync(fn, is_async, args):
    """Runs one call in the current thread; returns (ok, start_ms, end_ms, cpu_ms, result_or_error)."""
    start_ms = time.time_ns() / 1e6
    p0 = time.perf_counter_ns()
    c0 = time.thread_time_ns()
    try:
        if is_async:
            result = thread_loop().run_until_complete(fn(*args))
        else:
            result = fn(*args)
            if inspect.isawaitable(result):  # a plain def that hands back a coroutine
                result = thread_loop().run_until_complete(as_coroutine(result))
        ok = True
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: they are the function's doing
        result, ok = e, False
    cpu_ms = (time.thread_time_ns() - c0) / 1e6
    end_ms = start_ms + (time.perf_counter_ns() - p0) / 1e6
    return ok, start_ms, end_ms, cpu_ms, result


# ------------------------------------------------------------------------ warm-up


def warm_up(call, policy):
    """Calls until the call time is steady (the last `steadyCalls` within `tolerance` of
    each other) or a cap is reached, so counted calls run as in a long-lived pool: imports
    done, caches filled, the specializing interpreter settled. Same rule as the JS side
    (src/hosted/lib/warmup.ts). `call()` returns (ok, wall_ms). None when the policy is off."""
    if not policy or int(policy.get("maxCalls", 0)) <= 0:
        return None
    n, tol = int(policy["steadyCalls"]), float(policy["tolerance"])
    max_calls, max_ms = int(policy["maxCalls"]), float(policy["maxMs"])

    def steady(ts):
        last = ts[-n:]
        return len(ts) >= n and min(last) > 0 and max(last) <= min(last) * (1 + tol)

    times, failed = [], False
    t0 = time.perf_counter()
    while len(times) < max_calls:
        ok, ms = call()
        if not ok:
            failed = True
            break
        times.append(ms)
        if steady(times) or (time.perf_counter() - t0) * 1000.0 >= max_ms:
            break
    last = sorted(times[-n:])
    return {
        "firstCallMs": times[0] if times else None,
        "steadyCallMs": last[len(last) // 2] if last else None,
        "calls": len(times),
        "steady": steady(times),
        "failed": failed,
    }


def fold_warmups(results, worker_start_ms):
    """Several workers' warm-ups as the report's cold-start figures (medians)."""
    done = [r for r in results if r and r["calls"] > 0]

    def mid(xs):
        xs = sorted(x for x in xs if x is not None)
        return xs[len(xs) // 2] if xs else None

    return {
        "firstCallMs": mid([r["firstCallMs"] for r in done]),
        "steadyCallMs": mid([r["steadyCallMs"] for r in done]),
        "workerStartMs": worker_start_ms,
        "warmupCalls": max([r["calls"] for r in done] or [0]),
        "steady": bool(done) and all(r["steady"] for r in done),
    }


# ------------------------------------------------------------ process-pool workers

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


def dead_worker_error(pool):
    """Why a process-pool worker died, from its exit code. The pool SIGTERMs the other
    workers once one dies, so the culprit is the one that ended some other way."""
    restarted = "; the process pool was restarted"
    codes = []
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            codes.append(proc.exitcode)
        except (OSError, ValueError):
            pass
    # 255 is also what forkserver reports when it could not learn the status: least telling.
    signals = [c for c in codes if c is not None and c < 0 and c != -signal.SIGTERM]
    exits = sorted((c for c in codes if c is not None and c > 0), key=lambda c: c == 255)
    if signals:
        try:
            name = signal.Signals(-signals[0]).name
        except ValueError:
            name = "signal %d" % -signals[0]
        hint = " (often the system running out of memory)" if -signals[0] == signal.SIGKILL else ""
        return {
            "kind": "crash",
            "message": "a worker process was killed by %s%s while running the function%s" % (name, hint, restarted),
            "stack": None,
        }
    if exits and exits[0] != 255:
        return {
            "kind": "exit",
            "message": "a worker process exited with code %d while running the function "
            "(os._exit() or a fatal error ends it)%s" % (exits[0], restarted),
            "stack": None,
        }
    return {
        "kind": "exit",
        "message": "a worker process died while running the function "
        "(os._exit, a crash, or killed for memory)%s" % restarted,
        "stack": None,
    }


# --------------------------------------------------------------------- the server


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

    def __init__(self, server, req):
        self.server = server
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
        self.server.chan.task(start_ms, end_ms, cpu_ms, ok, wire_err)
        return True

    def summary(self):
        start = self.first_counted_start
        if start is None:
            start = self.t0_ms + self.warmup_ms
        end = self.last_end if self.last_end is not None else time.time_ns() / 1e6
        return {"startMs": start, "endMs": max(end, start), "pointStartMs": self.t0_ms, "errors": self.point_errors}


class Server(object):
    def __init__(self):
        self.chan = Channel(3)
        self.commands = os.fdopen(4, "rb")
        for fd in (3, 4):
            try:
                os.set_inheritable(fd, False)
            except OSError:
                pass
        self.spec = None
        self.fn = None
        self.is_async = False
        self.point = None
        self.process_pool = None
        self.process_pool_size = 0
        self.process_pool_known = set()
        self.thread_pool = None
        self.thread_pool_size = 0
        # This process's own calls (sequential, async, threads) warm up once.
        self.warmed = False
        self.monitor = threading.Thread(target=self.monitor_loop, name="workload-monitor", daemon=True)
        self.monitor.start()

    def monitor_loop(self):
        """Flushes batches and tells the engine the oldest call in flight, so it can
        enforce the per-call timeout even when a call never returns."""
        while True:
            time.sleep(HEARTBEAT_INTERVAL_S)
            point = self.point
            if point is None:
                continue
            try:
                self.chan.flush()
                oldest, n = point.oldest_inflight()
                self.chan.send({"t": "hb", "oldest": oldest, "inflight": n})
            except (OSError, ValueError):
                os._exit(1)  # the engine is gone

    # -- commands

    def run(self):
        self.chan.send({"t": "ready", "info": interpreter_info()})
        while True:
            line = self.commands.readline()
            if not line:
                self.die()
            line = line.strip()
            if not line:
                continue
            cmd = json.loads(line.decode("utf-8"))
            try:
                self.dispatch(cmd)
            except Exception as e:  # a harness bug: report it rather than hang the engine
                self.chan.send({"t": "fatal", "message": "%s: %s" % (type(e).__name__, e), "stack": traceback.format_exc()})

    def die(self):
        # The engine closed our command pipe (it finished or died): take every pool
        # worker down with us so no python process outlives the profile.
        try:
            os.killpg(os.getpgid(0), signal.SIGKILL)
        except (OSError, AttributeError):  # no process groups on Windows
            pass
        os._exit(0)

    def dispatch(self, cmd):
        kind = cmd["cmd"]
        if kind == "load":
            self.load(cmd)
        elif kind == "point":
            self.run_point(cmd)
        elif kind == "shutdown":
            self.shutdown_pools()
            self.chan.send({"t": "bye"})
            self.die()
        else:
            raise ValueError("unknown command %r" % kind)

    def load(self, cmd):
        self.spec = TargetSpec(cmd)
        try:
            module = load_target(self.spec)
        except BaseException as e:
            self.chan.send({"t": "load-error", "error": describe_load_error(e)})
            return
        fn = resolve_function(module, self.spec.function)
        if fn is None or not callable(fn):
            self.chan.send(
                {
                    "t": "load-error",
                    "error": {
                        "kind": "AttributeError",
                        "message": "after import, %s is %s, not a function"
                        % (self.spec.function, "missing" if fn is None else type(fn).__name__),
                        "stack": None,
                    },
                    "notCallable": True,
                }
            )
            return
        self.fn = fn
        self.is_async = is_async_callable(fn)
        cap_memory(self.spec.memory_limit_mb)
        self.chan.send({"t": "loaded", "isAsync": self.is_async})

    def run_point(self, cmd):
        point = Point(self, cmd)
        executor = cmd["executor"]
        extra = {}
        self.point = point
        try:
            if executor in ("sequential", "async", "thread") and point.warmup and not self.warmed:
                self.warmed = True
                warm = self.warm_in_process(point)
                if warm is not None:
                    extra["coldStart"] = fold_warmups([warm], None)
            if executor == "sequential":
                if self.is_async:
                    self.run_async(point, 1)
                else:
                    self.run_sequential(point)
                extra["cpuSource"] = "time.thread_time_ns"
            elif executor == "async":
                if self.is_async:
                    self.run_async(point, point.concurrency)
                else:
                    self.run_to_thread(point)
                    extra["note"] = "plain def: async ran it through asyncio.to_thread (a thread pool behind asyncio)"
                extra["cpuSource"] = "time.thread_time_ns"
            elif executor == "thread":
                self.run_threads(point)
                extra["cpuSource"] = "time.thread_time_ns"
            elif executor == "process":
                extra.update(self.run_processes(point))
                extra["cpuSource"] = "time.process_time_ns"
            else:
                raise ValueError("unknown executor %r" % executor)
        finally:
            self.chan.flush()
            self.point = None
        done = {"t": "point-done"}
        done.update(point.summary())
        done.update(extra)
        self.chan.send(done)

    # -- executors

    def warm_in_process(self, point):
        """Warm-up calls in this process, tracked as in flight so the engine's watchdog
        still enforces the per-call timeout."""
        fn, is_async = self.fn, self.is_async
        args = substitute(point.args, 0)

        def one():
            token = ("warm", time.perf_counter_ns())
            point.started(token, time.time_ns() / 1e6)
            try:
                ok, s, e, _c, _r = call_sync(fn, is_async, args)
            finally:
                point.finished(token)
            return ok, e - s

        return warm_up(one, point.warmup)

    def finish_sync(self, point, ok, start_ms, end_ms, cpu_ms, result):
        err = None if ok else describe_error(result, self.spec.memory_limit_mb)
        point.record(ok, start_ms, end_ms, cpu_ms, err)

    def run_sequential(self, point):
        point.begin()
        while point.may_launch():
            index, args = point.launch()
            point.started(index, time.time_ns() / 1e6)
            ok, s, e, c, result = call_sync(self.fn, False, args)
            point.finished(index)
            self.finish_sync(point, ok, s, e, c, result)

    def run_threads(self, point):
        k = point.concurrency
        # One pool for the whole ladder, grown to the largest K so far: its threads stay
        # (thread-local caches, connections) and at most K of them are busy at a time.
        if self.thread_pool is None:
            self.thread_pool = concurrent.futures.ThreadPoolExecutor(THREAD_POOL_MAX, thread_name_prefix="workload")
        if self.thread_pool_size < k:
            cap_memory(self.spec.memory_limit_mb, threads=k)
            # Start every thread before the window opens: k tasks held at a barrier
            # each need a thread of their own.
            barrier = threading.Barrier(k)
            list(self.thread_pool.map(lambda _: barrier.wait(10), range(k)))
            self.thread_pool_size = k
        fn, is_async = self.fn, self.is_async
        done = queue.Queue()

        def task(index, args):
            point.started(index, time.time_ns() / 1e6)
            try:
                return call_sync(fn, is_async, args)
            finally:
                point.finished(index)

        def submit():
            index, args = point.launch()
            fut = self.thread_pool.submit(task, index, args)
            fut.add_done_callback(done.put)

        self.closed_loop(point, submit, done, lambda fut: self.finish_sync(point, *fut.result()))

    def closed_loop(self, point, submit, done, handle):
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

    def run_async(self, point, k):
        loop = thread_loop()
        loop.run_until_complete(self.async_loop(point, k))

    async def async_loop(self, point, k):
        fn = self.fn

        async def task(index, args):
            start_ms = time.time_ns() / 1e6
            point.started(index, start_ms)
            p0 = time.perf_counter_ns()
            timed = None
            try:
                coro = fn(*args)
                if not asyncio.iscoroutine(coro):
                    coro = as_coroutine(coro)
                timed = TimedCoroutine(coro)
                result = await timed
                ok = True
            except asyncio.CancelledError:
                raise
            except BaseException as e:
                result, ok = e, False
            finally:
                point.finished(index)
            end_ms = start_ms + (time.perf_counter_ns() - p0) / 1e6
            cpu = timed.cpu_ns / 1e6 if timed is not None else 0.0
            return ok, start_ms, end_ms, cpu, result

        await self.asyncio_closed_loop(point, k, task)

    async def asyncio_closed_loop(self, point, k, task):
        """Keeps up to k coroutines of `task(index, args)` in flight on this event loop
        until the point stops launching; shared by async def and asyncio.to_thread runs."""
        point.begin()
        running = set()

        def submit():
            index, args = point.launch()
            running.add(asyncio.ensure_future(task(index, args)))

        for _ in range(k):
            if not point.may_launch():
                break
            submit()
        while running:
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for fut in finished:
                running.discard(fut)
                self.finish_sync(point, *fut.result())
                if point.may_launch():
                    submit()

    def run_to_thread(self, point):
        k = point.concurrency
        loop = thread_loop()
        cap_memory(self.spec.memory_limit_mb, threads=k)
        pool = concurrent.futures.ThreadPoolExecutor(k, thread_name_prefix="workload-to-thread")
        loop.set_default_executor(pool)  # to_thread's default pool is capped at cpu+4 threads
        fn = self.fn

        def task(index, args):
            point.started(index, time.time_ns() / 1e6)
            try:
                return call_sync(fn, False, args)
            finally:
                point.finished(index)

        def in_thread(index, args):
            return asyncio.to_thread(task, index, args)

        try:
            loop.run_until_complete(self.asyncio_closed_loop(point, k, in_thread))
        finally:
            pool.shutdown(wait=True)

    def ensure_process_pool(self, k, point):
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
                self.shutdown_process_pool()
                secs = ("%.2f" % timeout_s).rstrip("0").rstrip(".")
                return None, {"kind": "timeout", "message": "timed out after %s s; its Python process group was killed" % secs, "stack": None}
            try:
                for fut in done:
                    pid, loaded_ms, warm = fut.result()
                    seen[pid] = (loaded_ms, warm)
            except concurrent.futures.process.BrokenProcessPool:
                err = dead_worker_error(pool)
                self.shutdown_process_pool()
                return None, err
        new = {pid: v for pid, v in seen.items() if pid not in self.process_pool_known}
        self.process_pool_known.update(seen)
        self.process_pool_size = max(self.process_pool_size, k)
        if not new:
            return None, None
        loaded = [v[0] for v in new.values() if v[0] is not None]
        start_ms = (max(loaded) - t0) / max(1, len(loaded)) if loaded else None
        return fold_warmups([v[1] for v in new.values()], start_ms), None

    def shutdown_process_pool(self):
        pool, self.process_pool, self.process_pool_size = self.process_pool, None, 0
        if pool is not None:
            try:
                pool.shutdown(wait=True, cancel_futures=True)
            except Exception:
                pass

    def shutdown_pools(self):
        self.shutdown_process_pool()
        if self.thread_pool is not None:
            self.thread_pool.shutdown(wait=False)
            self.thread_pool = None

    def run_processes(self, point):
        k = point.concurrency
        cold, broke = self.ensure_process_pool(k, point)
        if broke is not None:
            # No window opens: the point ends with the error, as if its first call had failed.
            point.begin()
            point.point_errors.append(broke)
            return {"startMethod": start_method()}
        pool = self.process_pool
        done = queue.Queue()
        ser = {"ns": 0, "bytes": 0, "n": 0}
        broken = []
        pending = {}

        def submit():
            index, args = point.launch()
            t0 = time.perf_counter_ns()
            try:
                blob = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as e:  # JSON args always pickle; kept for safety
                blob = pickle.dumps([])
                broken.append(str(e))
            dumps_ns = time.perf_counter_ns() - t0
            point.started(index, time.time_ns() / 1e6)
            try:
                fut = pool.submit(worker_call, blob)
            except Exception as e:  # pool already broken
                fut = concurrent.futures.Future()
                fut.set_exception(e)
            pending[fut] = (index, dumps_ns, len(blob), time.time_ns() / 1e6)
            fut.add_done_callback(done.put)

        def handle(fut):
            index, dumps_ns, nbytes, submitted_ms = pending.pop(fut)
            point.finished(index)
            try:
                ok, s, e, c, loads_ns, rdumps_ns, blob, err = fut.result()
            except concurrent.futures.process.BrokenProcessPool:
                broken.append(index)
                err = dead_worker_error(pool)
                if not point.record(False, submitted_ms, time.time_ns() / 1e6, None, err):
                    point.point_errors.append(err)  # during warm-up: still say why the point ended
                point.max_errors = 0  # a broken pool runs nothing more this point
                return
            except BaseException as ex:
                point.record(False, submitted_ms, time.time_ns() / 1e6, None, describe_error(ex))
                return
            total_ns = dumps_ns + loads_ns + rdumps_ns
            if ok:
                t0 = time.perf_counter_ns()
                try:
                    pickle.loads(blob)
                except Exception as ex:
                    ok, err = False, {"kind": "PicklingError", "message": "the result can't be unpickled: %s" % exception_text(ex), "stack": None}
                total_ns += time.perf_counter_ns() - t0
                nbytes += len(blob) if blob is not None else 0
            counted = point.record(ok, s, e, c, err)
            if counted:
                ser["ns"] += total_ns
                ser["bytes"] += nbytes
                ser["n"] += 1

        self.closed_loop(point, submit, done, handle)
        if broken:
            self.shutdown_process_pool()
        out = {"startMethod": start_method()}
        if cold is not None:
            out["coldStart"] = cold
        if ser["n"]:
            out["serialization"] = {"msPerTask": ser["ns"] / ser["n"] / 1e6, "bytesPerTask": ser["bytes"] / ser["n"]}
        return out


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: harness.py list|info|serve\n")
        return 2
    cmd = argv[1]
    if cmd == "list":
        source = sys.stdin.buffer.read().decode("utf-8", "replace")
        sys.stdout.write(json.dumps(list_bindings(source)) + "\n")
        return 0
    if cmd == "info":
        sys.stdout.write(json.dumps(interpreter_info()) + "\n")
        return 0
    if cmd == "serve":
        # The user's code gets an empty stdin; commands come on fd 4.
        try:
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.close(devnull)
        except OSError:
            pass
        Server().run()
        return 0
    sys.stderr.write("unknown subcommand %r\n" % cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
