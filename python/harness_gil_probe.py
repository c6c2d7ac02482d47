"""Whether the function holds the GIL while it runs, measured directly.

A spinner thread runs pure Python, once while the main thread sleeps (sleeping
releases the GIL) and once while the main thread calls the function. Python bytecode
needs the GIL, and a thread waiting for it sleeps, so the spinner's own CPU time per
second of wall time during the calls, as a share of that alone, says how much of the
time the call left the GIL free:

- about 1: the call's work runs in C code that releases the GIL (hashlib on large
  inputs, zlib, sqlite3 while it steps through a statement, any wait);
- about 0.5: the call runs Python bytecode, and the two threads take turns every
  switch interval (5 ms);
- near 0: the call holds the GIL inside one long C call (re, json) that never lets
  the spinner in.

This needs a free core for the spinner: the engine only asks on machines with two or
more cores, and the analysis falls back on thread scaling when the two disagree.

The spinner's CPU time, not its count of loops, because a shared machine does not run
at one speed: a 2-core VM ran the same pure-Python call in 80 ms, and minutes later in
135 ms on either core. A spinner that counted alone at a slow moment and beside the
call at a fast one read 0.79-0.90 for statistics.pstdev, whose bytecode holds the GIL
(0.5 in the other profiles; bare threads x2 give 1.09x). Its CPU share does not depend
on the speed.
"""

import threading
import time


def _spin(flag, used):
    # thread_time: this thread's CPU only; waiting for the GIL costs it none.
    cpu0 = time.thread_time()
    n = 0
    while flag[0]:
        n += 1
    used.append(time.thread_time() - cpu0)


def _spinner_rate(action):
    """The spinner's CPU seconds per wall second while `action()` runs in this thread."""
    flag = [True]
    used = []
    spinner = threading.Thread(target=_spin, args=(flag, used), daemon=True)
    t0 = time.perf_counter()
    spinner.start()
    try:
        action()
    finally:
        flag[0] = False
        spinner.join()
    elapsed = time.perf_counter() - t0
    return (used[0] / elapsed if used and elapsed > 0 else 0.0), elapsed


def measure(call, window_ms):
    """`call()` makes one call of the user's function and returns True when it succeeded.

    Calls it for at least `window_ms` (at least once) beside the spinner, between two
    windows of the spinner alone (the mean of both, so a drift in machine speed cancels;
    when they disagree, a third, and the mean of the two that agree best).
    Returns the share, the calls made and the window, or None when a call failed."""
    window_s = max(0.02, window_ms / 1000.0)
    ok = [True]
    calls = [0]

    def calling():
        start = time.perf_counter()
        while True:
            if not call():
                ok[0] = False
                return
            calls[0] += 1
            if time.perf_counter() - start >= window_s:
                return

    def alone_rate():
        return _spinner_rate(lambda: time.sleep(window_s))[0]

    alone_before = alone_rate()
    during, elapsed = _spinner_rate(calling)
    alone_after = alone_rate()
    if not ok[0]:
        return None
    alone, drift = _reference([alone_before, alone_after])
    if drift > RECHECK_DRIFT:
        # One window read a burst of load elsewhere (or its end): a third says which.
        alone, drift = _reference([alone_before, alone_after, alone_rate()])
    share = during / alone if alone > 0 else 0.0
    return {
        "freeShare": round(min(1.5, max(0.0, share)), 3),
        "calls": calls[0],
        "windowMs": round(elapsed * 1000.0, 1),
        "drift": round(drift, 3),
    }


# Spinner-alone windows further apart than this get a third. On a shared 2-core machine
# the two windows around a sqlite3 query moved by half in two profiles of three, the
# analysis set the probe aside (gil.ts, MAX_PROBE_DRIFT), and flat threads then read
# "held" for C code that had released the GIL.
RECHECK_DRIFT = 0.15


def _reference(rates):
    """The spinner's speed alone: the mean of the two closest readings, and how far apart they are."""
    pairs = [(a, b) for i, a in enumerate(rates) for b in rates[i + 1:]]

    def spread(pair):
        mean = (pair[0] + pair[1]) / 2.0
        return abs(pair[0] - pair[1]) / mean if mean > 0 else 0.0

    best = min(pairs, key=spread)
    return (best[0] + best[1]) / 2.0, spread(best)
