"""The hot-spot pass: a short, uncounted run of the user's function with a frame sampler
on, in whichever process already holds the function (hotspots.py, a process of its own;
or the `hotspots` command of a warm `harness.py serve`, which skips an interpreter start
and an import).

A daemon thread wakes every millisecond, reads the calling thread's stack with
sys._current_frames() and that thread's own CPU clock, and charges the CPU time since
the last sample to the innermost frame that is user or site-packages code (a builtin or
a standard-library function called from the user's code counts for that caller, since
C functions have no frame and the stdlib is not the user's to change). Wall time that
passed without CPU is waiting: it is charged to the line the user's code was blocked at,
or, for an async def suspended in the event loop, to the line of the await the current
coroutine chain is parked at. Nothing here is counted in the report's measurements.

The name keeps the harness_ prefix of the modules that live in the user's process: a
project's own `hotspots` module must not be shadowed by this one, nor this one by it.
"""
import inspect
import os
import re
import sys
import sysconfig
import threading
import time

from harness_calls import as_coroutine, thread_loop
from harness_contract import is_ours
from harness_errors import describe_error
from harness_target import substitute

INTERVAL_S = 0.001
DEPENDENCY = re.compile(r"[\\/](site-packages|dist-packages)[\\/]")
STDLIB = tuple(
    sorted({os.path.abspath(p) + os.sep for p in (sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib")) if p})
)
# A function that only fails is profiled on its failure path; stop early.
MAX_FAILURES = 20


def origin(filename):
    """'user', 'dependency', or None for our harness, the standard library and <frozen ...>."""
    if not filename or filename.startswith("<") or is_ours(filename):
        return None
    if DEPENDENCY.search(filename):
        return "dependency"
    if filename.startswith(STDLIB):
        return None
    return "user"


class Sampler(object):
    def __init__(self, ident):
        self.ident = ident
        self.clock = None
        try:
            self.clock = time.pthread_getcpuclockid(ident)
            time.clock_gettime(self.clock)
        except (AttributeError, OSError, ValueError):
            self.clock = None  # no per-thread CPU clock here: weigh samples by wall time
        # Linux: time the main thread sat runnable in the run queue (other processes'
        # load, or our sampler holding the GIL) is neither its work nor its waiting.
        self.schedstat = None
        try:
            self.schedstat = os.open("/proc/self/task/%d/schedstat" % threading.main_thread().native_id, os.O_RDONLY)
        except (AttributeError, OSError):
            pass
        self.last_queued = self.queued()
        self.current = None  # the coroutine of the call in flight, if async
        self.functions = {}  # (name, file, firstline) -> [origin, cpu, {line: cpu}]
        self.waits = {}  # (name, file, line) -> wall seconds without CPU
        self.samples = 0
        self.cpu = 0.0
        self.wall = 0.0
        self.waited = 0.0
        self.codes = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.run, name="workload-hotspots", daemon=True)

    def start(self):
        self.last_wall = time.perf_counter()
        self.last_cpu = time.clock_gettime(self.clock) if self.clock is not None else None
        self.thread.start()

    def stop(self):
        self.stop_event.set()
        self.thread.join()
        # A warm harness runs many passes: each would otherwise keep its descriptor.
        if self.schedstat is not None:
            os.close(self.schedstat)
            self.schedstat = None

    def run(self):
        while not self.stop_event.wait(INTERVAL_S):
            self.sample()

    def describe(self, code):
        d = self.codes.get(code)
        if d is None:
            d = (getattr(code, "co_qualname", code.co_name), code.co_filename, code.co_firstlineno, origin(code.co_filename))
            self.codes[code] = d
        return d

    def owner(self, frame):
        while frame is not None:
            d = self.describe(frame.f_code)
            if d[3] is not None:
                return d, frame.f_lineno
            frame = frame.f_back
        return None

    def await_site(self):
        """The innermost user frame in the await chain of the call in flight."""
        site = None
        c = self.current
        for _ in range(200):
            if c is None:
                break
            f = getattr(c, "cr_frame", None) or getattr(c, "gi_frame", None)
            if f is None:
                break
            d = self.describe(f.f_code)
            if d[3] is not None:
                site = (d, f.f_lineno)
            c = getattr(c, "cr_await", None) or getattr(c, "gi_yieldfrom", None)
        return site

    def sample(self):
        frame = sys._current_frames().get(self.ident)
        now = time.perf_counter()
        wall = now - self.last_wall
        self.last_wall = now
        if self.clock is not None:
            cpu_now = time.clock_gettime(self.clock)
            cpu = min(max(0.0, cpu_now - self.last_cpu), wall)
            self.last_cpu = cpu_now
        else:
            cpu = wall
        self.samples += 1
        self.cpu += cpu
        self.wall += wall
        found = self.owner(frame)
        if found is not None and cpu > 0:
            d, line = found
            entry = self.functions.get(d[:3])
            if entry is None:
                entry = self.functions[d[:3]] = [d[3], 0.0, {}]
            entry[1] += cpu
            entry[2][line] = entry[2].get(line, 0.0) + cpu
        queued_now = self.queued()
        waited = wall - cpu - max(0.0, queued_now - self.last_queued)
        self.last_queued = queued_now
        if waited > 0:
            self.waited += waited
        if waited > 0 and self.clock is not None:
            site = found
            # Suspended at an await, the coroutine is off the stack: ask the coroutine.
            if self.current is not None and (found is None or not self.running_user_code(frame)):
                site = self.await_site() or found
            if site is not None:
                d, line = site
                key = (d[0], d[1], line)
                self.waits[key] = self.waits.get(key, 0.0) + waited

    def queued(self):
        if self.schedstat is None:
            return 0.0
        try:
            return int(os.pread(self.schedstat, 128, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    def running_user_code(self, frame):
        """True when the innermost Python frame belongs to the user (e.g. blocked in time.sleep)."""
        return frame is not None and self.describe(frame.f_code)[3] is not None


def run_calls(fn, is_async, cfg, sampler):
    calls = failures = 0
    first_error = None
    args = cfg.get("args", [])
    t0 = time.perf_counter()
    duration_s = float(cfg["durationMs"]) / 1000.0
    max_calls = int(cfg["maxCalls"])
    index = int(cfg.get("taskIndexStart", 0))
    while calls == 0 or (time.perf_counter() - t0 < duration_s and calls < max_calls):
        call_args = substitute(args, index + calls)
        calls += 1
        try:
            coro = fn(*call_args)
            if not is_async:
                # A plain def that hands back an awaitable: drive it as a coroutine of our own.
                coro = as_coroutine(coro) if inspect.isawaitable(coro) else None
            if coro is not None:
                sampler.current = coro
                # This thread's loop: in the harness, the one its async points run on, so
                # what the function binds to its loop between calls keeps working.
                thread_loop().run_until_complete(coro)
        except BaseException as e:  # SystemExit too: the function's doing, not ours
            failures += 1
            if first_error is None:
                first_error = describe_error(e)["message"]
            if failures >= MAX_FAILURES and failures == calls:
                break
        finally:
            sampler.current = None
    return calls, failures, first_error, (time.perf_counter() - t0) * 1000.0


def profile_calls(fn, is_async, cfg):
    """Calls `fn` for cfg's durationMs (at least once, at most maxCalls, "$i" from
    taskIndexStart) with the sampler on this thread; returns the result message. The
    sampler thread is stopped and joined, and the switch interval restored, before it
    returns, so a warm harness goes back to measuring exactly as it was."""
    # Let the sampler in often while CPU-bound Python code holds the GIL.
    old_switch = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)
    sampler = Sampler(threading.get_ident())
    sampler.start()
    try:
        calls, failures, first_error, wall_ms = run_calls(fn, is_async, cfg, sampler)
    finally:
        sampler.stop()
        sys.setswitchinterval(old_switch)
    functions = [
        {"function": k[0], "file": k[1], "line": k[2], "origin": v[0], "cpu": v[1], "lines": [[ln, w] for ln, w in v[2].items()]}
        for k, v in sampler.functions.items()
    ]
    waits = [{"function": k[0], "file": k[1], "line": k[2], "wait": w} for k, w in sampler.waits.items()]
    return {
        "t": "hotspots",
        "calls": calls,
        "failures": failures,
        "firstError": first_error,
        "wallMs": wall_ms,
        "samples": sampler.samples,
        "cpu": sampler.cpu,
        "wall": sampler.wall,
        "waited": sampler.waited,
        "threadClock": sampler.clock is not None,
        "isAsync": is_async,
        "functions": functions,
        "waits": waits,
    }
