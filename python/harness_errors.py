"""How a failure is told to the engine: {"kind", "message", "stack"}, clipped to the
point contract's lengths, with the harness's own frames left out of the stack."""
import signal
import traceback

from harness_contract import MAX_MESSAGE_CHARS, MAX_STACK_CHARS, is_ours


def clip(text, limit):
    """The contract's clipping, as clipText in src/shared/pointContract.ts: "..." ends a cut text."""
    return text[: limit - 3] + "..." if len(text) > limit else text


def user_traceback(exc):
    """The traceback without the harness's own frames, so it starts in the user's file."""
    tb = exc.__traceback__
    frames = [f for f in traceback.extract_tb(tb) if not is_ours(f.filename)]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(exc), exc)
    return clip("".join(lines), MAX_STACK_CHARS)


def exception_text(exc):
    """str(exc), clipped, and never raising: a __str__ that fails is the user's bug to report, not ours."""
    try:
        text = str(exc)
    except BaseException:
        text = "<%s: str() failed>" % type(exc).__name__
    return clip(text, MAX_MESSAGE_CHARS)


def describe_error(exc, memory_limit_mb=0):
    if isinstance(exc, SystemExit):
        return {
            "kind": "exit",
            "message": "the function called sys.exit(%r); SystemExit was caught so the run could go on" % (exc.code,),
            "stack": user_traceback(exc),
        }
    if isinstance(exc, MemoryError):
        cap = (" (the %d MB memory cap)" % memory_limit_mb) if memory_limit_mb else ""
        return {"kind": "out-of-memory", "message": "MemoryError: the call ran out of memory%s" % cap, "stack": user_traceback(exc)}
    message = exception_text(exc)
    return {"kind": type(exc).__name__, "message": message, "stack": user_traceback(exc)}


def describe_load_error(exc):
    err = describe_error(exc)
    if isinstance(exc, SyntaxError):
        err["line"] = exc.lineno or 1
        err["col"] = exc.offset or 1
        err["message"] = exc.msg or "invalid syntax"
    return err


def dead_worker_error(pool):
    """Why a process-pool worker died, from its exit code. The pool SIGTERMs the other
    workers once one dies, so the culprit is the one that ended some other way."""
    restarted = "; the process pool was restarted"
    codes = []
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            codes.append(proc.exitcode)
        except (OSError, ValueError):
            pass
    # 255 is also what forkserver reports when it could not learn the status: least telling.
    signals = [c for c in codes if c is not None and c < 0 and c != -signal.SIGTERM]
    exits = sorted((c for c in codes if c is not None and c > 0), key=lambda c: c == 255)
    if signals:
        try:
            name = signal.Signals(-signals[0]).name
        except ValueError:
            name = "signal %d" % -signals[0]
        hint = " (often the system running out of memory)" if -signals[0] == signal.SIGKILL else ""
        return {
            "kind": "crash",
            "message": "a worker process was killed by %s%s while running the function%s" % (name, hint, restarted),
            "stack": None,
        }
    if exits and exits[0] != 255:
        return {
            "kind": "exit",
            "message": "a worker process exited with code %d while running the function "
            "(os._exit() or a fatal error ends it)%s" % (exits[0], restarted),
            "stack": None,
        }
    return {
        "kind": "exit",
        "message": "a worker process died while running the function "
        "(os._exit, a crash, or killed for memory)%s" % restarted,
        "stack": None,
    }
