"""The classic case for threads: 200 items that each wait one second.

Sequentially that is 200 s; a ThreadPoolExecutor(50) overlaps the waits and finishes
in about 4 s, because time.sleep (like a network or disk wait) releases the GIL.
Profile fetch_item to see it measured: I/O-bound, threads recommended.

    python examples/sleep_items.py
"""
import time
from concurrent.futures import ThreadPoolExecutor

ITEMS = 200
WORKERS = 50


# @workload args=["$i"] budget=15
def fetch_item(i):
    time.sleep(1)  # stands in for a slow request or query
    return {"id": i, "status": "ok"}


if __name__ == "__main__":
    started = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(fetch_item, range(ITEMS)))
    elapsed = time.perf_counter() - started
    print(f"{len(results)} items with {WORKERS} threads in {elapsed:.1f} s (sequential would take {ITEMS} s)")
