"""Workload Profiler's hot-spot pass for Python in a process of its own, for when no warm
harness is there to run it (the engine prefers the `hotspots` command of the sequential
executor's `harness.py serve`, which has the function imported already).

    python hotspots.py            (config JSON on stdin, result JSON line on fd 3)

The sampler and the calls are harness_hotspots.py's, shared with the harness, so both
ways give the same result message. Python 3.9+ and the standard library only.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    # PYTHONSAFEPATH (or -P) leaves the script's own directory off sys.path; the jobs live there.
    sys.path.insert(0, HERE)

# Shares the harness's module loader, "$i" substitution and error text.
from harness_calls import is_async_callable  # noqa: E402
from harness_contract import detach_stdin  # noqa: E402
from harness_errors import describe_load_error  # noqa: E402
from harness_hotspots import profile_calls  # noqa: E402
from harness_target import TargetSpec, cap_memory, load_target, resolve_function  # noqa: E402


def main():
    cfg = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    out = os.fdopen(3, "wb", buffering=0)
    detach_stdin()

    def send(msg):
        out.write((json.dumps(msg) + "\n").encode("utf-8"))

    spec = TargetSpec(cfg)
    try:
        module = load_target(spec)
    except BaseException as e:
        send({"t": "failed", "message": describe_load_error(e)["message"]})
        return 0
    # "Class.method" as the harness resolves it (getattr alone knows no dotted names).
    fn = resolve_function(module, spec.function)
    if fn is None or not callable(fn):
        send({"t": "failed", "message": "after import, %s is not a function" % spec.function})
        return 0
    is_async = is_async_callable(fn)
    cap_memory(spec.memory_limit_mb)
    send(profile_calls(fn, is_async, cfg))
    out.flush()
    # User threads or atexit hooks must not keep the pass alive; the result is sent.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
