"""The user's module in the harness and its pool workers: where it lives, loading it
under a name of its own, finding the function, the "$i" rule for its arguments, and the
memory cap around its calls."""
import linecache
import os
import re
import sys
import threading
import types

TARGET_MODULE = "_workload_target"


def resolve_function(module, name):
    """The callable named "f" or "Class.method" (one dot, as list_bindings gives), or
    None. getattr on the class gives the plain function of a staticmethod and the bound
    method of a classmethod, which is how a caller would reach them."""
    owner = module
    parts = name.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part, None)
        if owner is None:
            return None
    return getattr(owner, parts[-1], None)


class TargetSpec(object):
    """Where the module lives, what to call, and the memory cap; shipped to pool workers."""

    def __init__(self, cfg):
        self.source_path = cfg["sourcePath"]
        self.display_path = cfg["displayPath"]
        self.function = cfg["function"]
        self.sys_path = [p for p in cfg.get("sysPath", []) if p]
        self.memory_limit_mb = cfg.get("memoryLimitMb") or 0


def load_target(spec):
    """Imports the user's file by path under a non-main name, so `if __name__ ==
    "__main__"` blocks stay put. Tracebacks and linecache name the user's own file even
    when the text came from an unsaved buffer written to a temp file."""
    for p in reversed(spec.sys_path):
        if p not in sys.path:
            sys.path.insert(0, p)
    existing = sys.modules.get(TARGET_MODULE)
    if existing is not None and getattr(existing, "__workload_spec__", None) == spec.source_path:
        return existing
    with open(spec.source_path, "rb") as f:
        raw = f.read()
    code = compile(raw, spec.display_path, "exec", dont_inherit=True)
    if spec.source_path != spec.display_path:
        text = raw.decode("utf-8", "replace")
        # mtime None: linecache.checkcache keeps the entry instead of re-reading disk.
        linecache.cache[spec.display_path] = (len(text), None, text.splitlines(True), spec.display_path)
    module = types.ModuleType(TARGET_MODULE)
    module.__file__ = spec.display_path
    module.__workload_spec__ = spec.source_path
    # Registered before exec so dataclasses, pickling and self-references resolve.
    sys.modules[TARGET_MODULE] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(TARGET_MODULE, None)
        raise
    return module


# "$i" as a token: not followed by [A-Za-z0-9_] (ASCII, as in src/shared/args.ts).
INDEX_TOKEN = re.compile(r"\$i(?![A-Za-z0-9_])")


def substitute(value, index):
    """The "$i" rule, the same as src/shared/args.ts substituteIndex (a contract test runs
    one table through both): exactly "$i" becomes the int index; inside a longer string
    every "$i" token becomes its decimal digits ("user-$i" -> "user-7"), while "$id" and
    "$index" stay text; dict keys are never rewritten."""
    if isinstance(value, str):
        if value == "$i":
            return index
        return INDEX_TOKEN.sub(lambda _m: str(index), value) if "$i" in value else value
    if isinstance(value, list):
        return [substitute(v, index) for v in value]
    if isinstance(value, dict):
        return dict((k, substitute(v, index)) for k, v in value.items())
    return value


def vm_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return 0


def cap_memory(limit_mb, threads=0):
    """Caps address space at what the process already maps plus the allowance, with room
    for thread stacks, so a runaway allocation raises MemoryError instead of swapping."""
    if not limit_mb:
        return
    try:
        import resource
    except ImportError:
        return
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        stack = threading.stack_size() or 8 * 1024 * 1024
        soft = vm_bytes() + limit_mb * 1024 * 1024 + threads * stack + 64 * 1024 * 1024
        if hard != resource.RLIM_INFINITY and soft > hard:
            soft = hard
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    except (ValueError, OSError):
        pass  # macOS rejects RLIMIT_AS changes; the cap is best effort there.
