"""Queue mode example: a CPU-bound tree search (N queens, one row at a time).

    workload-profiler profile examples/queens_search.py expand

An item is a partial placement; near the root it returns its valid children, at
SPLIT_DEPTH it solves the rest of the board itself (pure CPU) and returns nothing.
"""
N = 11
SPLIT_DEPTH = 2


def safe(cols, c):
    r = len(cols)
    return all(cols[i] != c and abs(cols[i] - c) != r - i for i in range(r))


def solve_from(cols):
    if len(cols) == N:
        return 1
    return sum(solve_from(cols + [c]) for c in range(N) if safe(cols, c))


# @workload queue seeds=[[]]
def expand(cols):
    if len(cols) >= SPLIT_DEPTH:
        solve_from(cols)
        return []
    return [cols + [c] for c in range(N) if safe(cols, c)]
