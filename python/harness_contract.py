"""What the harness and the engine agree on, and what the harness says about its interpreter.

The numbers come from point_contract.json, the one definition both sides read
(src/shared/pointContract.ts loads the same file).
"""
import json
import multiprocessing
import os
import sys

HARNESS_DIR = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HARNESS_DIR, "point_contract.json"), encoding="utf-8") as _f:
    CONTRACT = json.load(_f)

MAX_STACK_CHARS = CONTRACT["maxStackChars"]
# Each failure carries its message over the pipe: a 5 MB message times every call would
# swamp both ends (the JS runtimes clip at the same length).
MAX_MESSAGE_CHARS = CONTRACT["maxMessageChars"]
# Batches are flushed at least this often, so a crash loses at most this much.
FLUSH_INTERVAL_S = 0.1
HEARTBEAT_INTERVAL_S = 0.2
# The monitor thread flushes and beats only for a point whose own loop has not done so
# for this long (a long or hung call): see Point.serve.
MONITOR_GRACE_S = 1.0


def is_ours(filename):
    """True for a file of the harness itself (every python/*.py beside this one), whose
    frames stay out of the user's tracebacks and hot spots."""
    return bool(filename) and os.path.dirname(os.path.abspath(filename)) == HARNESS_DIR


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


def detach_stdin():
    """The user's code gets an empty stdin: the harness's input comes on its own pipe."""
    try:
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
    except OSError:
        pass
