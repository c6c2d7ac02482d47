"""Checks a Python label of the labelled suite (bench/labels.mjs) against bare pools.

    python3 bench/python/check_label.py bench/fixtures/python/real/sqlite_query.py query

Prints the call time, the speedup of a bare ThreadPoolExecutor and ProcessPoolExecutor
at K = 2 and 4 over a plain loop (warm pools, results returned), and the GIL probe's
free share (python/harness_gil_probe.py). A label's executor must be the pool that wins here,
on a quiet machine; its GIL must agree with the probe.
"""

import importlib.util
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))

import harness_gil_probe  # noqa: E402


def load(path, name):
    # The fixture's folder first, as the harness does: fixtures import their corpus.
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location("labelled_target", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["labelled_target"] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


def _call(_):
    return FN()


def rate(run, n):
    t0 = time.perf_counter()
    run(n)
    return n / (time.perf_counter() - t0)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: check_label.py <file.py> <function>")
    FN = load(sys.argv[1], sys.argv[2])
    for _ in range(5):
        FN()
    t0 = time.perf_counter()
    FN()
    n = max(8, int(1.0 / max(1e-6, time.perf_counter() - t0)))
    seq = rate(lambda n: [FN() for _ in range(n)], n)
    out = {}
    for k in (2, 4):
        with ThreadPoolExecutor(k) as ex:
            list(ex.map(_call, range(2 * k)))
            out["thread%d" % k] = rate(lambda n: list(ex.map(_call, range(n))), 2 * n) / seq
        with ProcessPoolExecutor(k) as ex:
            list(ex.map(_call, range(3 * k)))
            out["process%d" % k] = rate(lambda n: list(ex.map(_call, range(n))), 2 * n) / seq
    probe = harness_gil_probe.measure(lambda: (FN(), True)[1], 200)
    print(
        "%s %s: call %.1f ms; %s; GIL probe free share %s"
        % (
            os.path.basename(sys.argv[1]),
            sys.argv[2],
            1000 / seq,
            ", ".join("%s %.2fx" % kv for kv in out.items()),
            probe and probe["freeShare"],
        )
    )
