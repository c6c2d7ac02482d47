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
same room once its warm-up calls show the churn (warm_up in harness_calls.py): arenas
kept mapped by two small objects each, with the rest of them free for the calls, topped
up after every warm-up call that still faulted in 1 MB or more. Sized once, from one
call, the room differed between processes whose heaps had been pinned to different
degrees before (the harness runs the probe calls first), and json.loads + dumps of 6,000
records kept faulting in the harness at 45-60 ms a call while its pool processes ran
35-40 ms: processes x2 read 2.4-3.0x on 2 cores.
"""
try:
    import resource
except ImportError:  # Windows: no page-fault counter, and no reservation
    resource = None

PAGE_BYTES = resource.getpagesize() if resource is not None else 4096
ARENA_BYTES = 1 << 20
# A call that faults in less than this is not churning arenas worth reserving for.
CHURN_MIN_BYTES = 1 << 20
# Each top-up: twice what the call faulted in, at least RESERVE_MIN_MIB; RESERVE_MAX_MIB in all (MiB).
RESERVE_MIN_MIB = 8
RESERVE_MAX_MIB = 64
# Objects of 64 bytes (a 9-character str): one size class, 16,000 to an arena.
_OBJECT_BYTES = 64

_kept = []
_reserved_mib = [0]
# glibc's mallopt parameters (malloc.h): the free space at the top of the heap kept
# rather than handed back, and the size from which a block gets a mapping of its own.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def _keep_malloc_memory():
    """Large blocks (a json.dumps string) come from malloc, not from the arenas: glibc
    maps the biggest on their own, and trims the heap's top, by thresholds it adjusts as
    the process runs, so one process kept faulting in a few MB a call where another had
    stopped. Fixed thresholds make every process that runs calls keep that memory."""
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(_M_TRIM_THRESHOLD, RESERVE_MAX_MIB << 20)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's largest on 64-bit
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt, Windows)
        pass


def minor_faults():
    """Page faults this process has taken so far (0 where the OS does not say)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt if resource is not None else 0


def reserve_for(faulted_pages):
    """Reserves more arenas after a call that faulted in `faulted_pages` pages, within
    RESERVE_MAX_MIB per process. Returns the MiB added (0 when the call did not churn, or
    the process has reserved all it may)."""
    churn = faulted_pages * PAGE_BYTES
    room = RESERVE_MAX_MIB - _reserved_mib[0]
    if churn < CHURN_MIN_BYTES or room <= 0:
        return 0
    if not _reserved_mib[0]:
        _keep_malloc_memory()
    mib = int(min(room, max(RESERVE_MIN_MIB, 2 * churn // ARENA_BYTES)))
    per_arena = ARENA_BYTES // _OBJECT_BYTES
    try:
        objects = ["%09d" % i for i in range(mib * per_arena)]
    except MemoryError:  # the memory limit leaves no room: the calls churn, as before
        return 0
    # Two survivors an arena (allocation does not start at an arena's first byte) keep
    # each one mapped once the rest are freed.
    _kept.extend(objects[:: per_arena // 2])
    del objects
    _reserved_mib[0] += mib
    return mib
