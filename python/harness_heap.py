"""Room in the heap for a call's temporary objects, in every process that runs calls.

CPython's small-object allocator takes memory from the OS in 1 MiB arenas and hands an
arena back as soon as the last object in it is freed. A call that builds a few MB of
small objects and drops them (a parsed XML tree, json.loads of a large document) then
maps fresh arenas and faults their pages in on every call, unless something else keeps
those arenas alive. A long-lived process usually does: objects it keeps are scattered
through its arenas. A fresh pool worker does not. So the same call ran at different
speeds in different processes of one profile: ElementTree.fromstring of 8,000 elements
took 13 ms in the harness process, whose heap had filled out, and 26-30 ms in a
ProcessPoolExecutor worker (about 1,000 page faults a call, costly under this kind of
sandbox's kernel), and processes x2 read 0.8-1.2x where bare pools of the same kind gave
1.3-1.8x over a plain loop. Every process that runs calls therefore gives itself the
same room once its second warm-up call shows the churn (warm_up in harness_calls.py):
arenas kept mapped by two small objects each, with the rest of them free for the calls.
"""
try:
    import resource
except ImportError:  # Windows: no page-fault counter, and no reservation
    resource = None

PAGE_BYTES = resource.getpagesize() if resource is not None else 4096
ARENA_BYTES = 1 << 20
# A call that faults in less than this is not churning arenas worth reserving for.
CHURN_MIN_BYTES = 1 << 20
# Twice what the second warm-up call faulted in, within these bounds (MiB).
RESERVE_MIN_MIB = 8
RESERVE_MAX_MIB = 64
# Objects of 64 bytes (a 9-character str): one size class, 16,000 to an arena.
_OBJECT_BYTES = 64

_kept = []


def minor_faults():
    """Page faults this process has taken so far (0 where the OS does not say)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource is not None else 0


def reserve_for(faulted_pages):
    """Reserves arenas for a call that faulted in `faulted_pages` pages, once per process.
    Returns the MiB reserved (0 when the call did not churn, or already reserved)."""
    churn = faulted_pages * PAGE_BYTES
    if _kept or churn < CHURN_MIN_BYTES:
        return 0
    mib = int(min(RESERVE_MAX_MIB, max(RESERVE_MIN_MIB, 2 * churn // ARENA_BYTES)))
    per_arena = ARENA_BYTES // _OBJECT_BYTES
    try:
        objects = ["%09d" % i for i in range(mib * per_arena)]
    except MemoryError:  # the memory limit leaves no room: the calls churn, as before
        return 0
    # Two survivors an arena (allocation does not start at an arena's first byte) keep
    # each one mapped once the rest are freed.
    _kept.extend(objects[:: per_arena // 2])
    del objects
    return mib
