"""Workload Profiler's Python harness, run with the user's own interpreter.

Subcommands:
  list   read Python source on stdin, print its top-level functions and other bindings (JSON)
  serve  host one target module and run measurement "points" on command

`serve` talks to the engine over two dedicated pipes, never stdin/stdout: commands arrive
as JSON lines on fd 4 and results leave as JSON lines on fd 3. The user's module may
print, read stdin or write to fd 1 from C code without corrupting the stream, and every
batch already written survives a crash of this process.

This file is the entry point and the command loop; the jobs live beside it:
  harness_contract.py     the numbers shared with the engine, interpreter facts (the
                          engine's interpreter check imports it alone: resolvePython.ts)
  harness_listing.py      `list`: functions found by ast
  harness_target.py       loading the user's module, the "$i" rule, the memory cap
  harness_errors.py       failures as {kind, message, stack}
  harness_calls.py        one timed call, and the warm-up
  harness_point.py        the result wire and a point's closed-loop bookkeeping
  harness_local.py        sequential, async and thread executors (in this process)
  harness_process_pool.py the process executor (host side)
  harness_gil_probe.py    whether a call holds the GIL, from a spinner thread beside it
  harness_hotspots.py     the hot-spot pass: a frame sampler beside uncounted calls (also
                          run in a process of its own by hotspots.py)
  harness_pool_worker.py  what runs in a process-pool worker

Python 3.9+ and the standard library only.
"""
import json
import os
import signal
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    # PYTHONSAFEPATH (or -P) leaves the script's own directory off sys.path; the jobs live there.
    sys.path.insert(0, HERE)

from harness_calls import is_async_callable  # noqa: E402
from harness_contract import FLUSH_INTERVAL_S, detach_stdin, interpreter_info  # noqa: E402
from harness_errors import describe_load_error  # noqa: E402
from harness_listing import list_bindings  # noqa: E402
from harness_local import LocalExecutors  # noqa: E402
from harness_point import Channel, Point  # noqa: E402
from harness_process_pool import ProcessExecutor  # noqa: E402
from harness_target import TargetSpec, cap_memory, load_target, resolve_function  # noqa: E402


class Server(object):
    def __init__(self):
        self.chan = Channel(3)
        self.commands = os.fdopen(4, "rb")
        for fd in (3, 4):
            try:
                os.set_inheritable(fd, False)
            except OSError:
                pass
        self.point = None
        # Set by a load that found the function.
        self.local = None
        self.processes = None
        self.monitor = threading.Thread(target=self.monitor_loop, name="workload-monitor", daemon=True)
        self.monitor.start()

    def monitor_loop(self):
        """Services a point whose own loop is stuck in a long call (Point.serve does it
        between calls): without its flushes and heartbeats the engine could not enforce
        the per-call timeout on a call that never returns. It allocates nothing while a
        point's loop keeps serving, which keeps the calls' memory behaving as in a plain
        loop (Point.__init__ says why)."""
        while True:
            time.sleep(FLUSH_INTERVAL_S)
            point = self.point
            if point is None or not point.unserved():
                continue
            try:
                point.service(time.monotonic())
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
        elif kind == "gil-probe":
            self.chan.send({"t": "gil-probe", "result": self.local.gil_probe(cmd) if self.local is not None else None})
        elif kind == "hotspots":
            # Runs between points, in this thread; what the calls print goes to fd 1/2, as in a point.
            self.chan.send(self.local.hotspots(cmd) if self.local is not None else {"t": "failed", "message": "no function is loaded"})
        elif kind == "shutdown":
            if self.processes is not None:
                self.processes.shutdown()
            if self.local is not None:
                self.local.shutdown()
            self.chan.send({"t": "bye"})
            self.die()
        else:
            raise ValueError("unknown command %r" % kind)

    def load(self, cmd):
        spec = TargetSpec(cmd)
        try:
            module = load_target(spec)
        except BaseException as e:
            self.chan.send({"t": "load-error", "error": describe_load_error(e)})
            return
        fn = resolve_function(module, spec.function)
        if fn is None or not callable(fn):
            self.chan.send(
                {
                    "t": "load-error",
                    "error": {
                        "kind": "AttributeError",
                        "message": "after import, %s is %s, not a function"
                        % (spec.function, "missing" if fn is None else type(fn).__name__),
                        "stack": None,
                    },
                    "notCallable": True,
                }
            )
            return
        is_async = is_async_callable(fn)
        self.local = LocalExecutors(spec, fn, is_async)
        self.processes = ProcessExecutor(spec)
        cap_memory(spec.memory_limit_mb)
        self.chan.send({"t": "loaded", "isAsync": is_async})

    def run_point(self, cmd):
        point = Point(self.chan, cmd)
        executor = cmd["executor"]
        extra = {}
        self.point = point
        try:
            if executor in ("sequential", "async", "thread"):
                self.local.run(point, executor, extra)
            elif executor == "process":
                extra.update(self.processes.run(point))
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


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: harness.py list|serve\n")
        return 2
    cmd = argv[1]
    if cmd == "list":
        source = sys.stdin.buffer.read().decode("utf-8", "replace")
        sys.stdout.write(json.dumps(list_bindings(source)) + "\n")
        return 0
    if cmd == "serve":
        # The user's code gets an empty stdin; commands come on fd 4.
        detach_stdin()
        Server().run()
        return 0
    sys.stderr.write("unknown subcommand %r\n" % cmd)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
