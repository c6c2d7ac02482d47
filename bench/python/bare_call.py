"""Calls a fixture function by file path, for the bare reference pools of bare_pools.py.

A module of its own (not bare_pools.py, which runs as __main__) so that process-pool
workers can unpickle `call`. Each worker imports a fixture file once and keeps it.
"""
import asyncio
import importlib.util
import os
import sys

_modules = {}


def load(path, fn):
    mod = _modules.get(path)
    if mod is None:
        # The fixture's own directory first, so its sibling imports (corpus.py) resolve.
        folder = os.path.dirname(os.path.abspath(path))
        if folder not in sys.path:
            sys.path.insert(0, folder)
        name = "bare_fixture_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _modules[path] = mod
    return getattr(mod, fn)


def args_for(args, i):
    return [i if a == "$i" else a for a in args]


def call(path, fn, args, i):
    """One call; a coroutine function runs to completion on a private loop."""
    f = load(path, fn)
    out = f(*args_for(args, i))
    if asyncio.iscoroutine(out):
        out = asyncio.run(out)
    return out


def call_batch(path, fn, args, i, n):
    """n calls in one task, as ProcessPoolExecutor.map(..., chunksize=n) sends them: the
    reference for calls too short to hand to a pool one by one. Returns the last result."""
    out = None
    for j in range(n):
        out = call(path, fn, args, i * n + j)
    return out
