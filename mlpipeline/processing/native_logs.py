"""Keep MediaPipe's C++ log chatter off the terminal and the worker's log.

MediaPipe 0.10.21 writes, from its C++ threads straight to file descriptor 2, a line
`W0000 ... inference_feedback_manager.cc:114] Feedback manager requires a model with a
single signature inference...` whenever a TFLite model starts (two per BlazePose graph,
and again each time BlazePose's image-mode detector re-runs its landmark model: 17 on a
7.7 s clip), plus `INFO: Created TensorFlow Lite XNNPACK delegate for CPU.` and absl's
`WARNING: All log messages before absl::InitializeLog() is called are written to STDERR`.

`GLOG_minloglevel` and `TF_CPP_MIN_LOG_LEVEL` are set before MediaPipe is imported (this
module is imported first), but measured with the 0.10.21 wheel neither removes a line: it
logs through absl before `absl::InitializeLog()`, which reads no environment variable, and
the wheel exports no symbol to call. The lines come from MediaPipe's own threads, also
between `process` calls, so redirecting around each call leaks some.

So `silence_native_logs()` (called before the first MediaPipe graph of a process is built)
makes fd 2 a pipe, and a thread passes everything written there to the real stderr except
those lines: absl/glog INFO and WARNING lines of C++ files and the two TFLite start-up
lines. Errors (`E...`/`F...`) and anything else pass unchanged; `sys.stderr` itself is
pointed at the real stderr, so Python's output does not go through the thread. A forked child
(a Celery prefork worker) inherits the pipe, which the parent's thread keeps reading. At
exit fd 2 is restored and the pipe drained. Set BACKTRACKER_NATIVE_LOGS=1 to keep them.
"""

from __future__ import annotations

import atexit
import io
import os
import re
import select
import sys
import threading
from contextlib import suppress

# Before the first `import mediapipe` (harmless where the wheel ignores them).
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# One absl/glog line (`W0000 00:00:1796691273.277212   10036 file.cc:114] ...`) or TFLite's
# start-up lines, anywhere in the stream (a C++ line may follow a progress bar's text).
NOISE = re.compile(
    rb"(?:[IW]\d{4} [\d:.]+\s+\d+ [\w./-]+\.(?:cc|h|cpp):\d+\] [^\n]*"
    rb"|INFO: Created TensorFlow Lite XNNPACK delegate for CPU\."
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to "
    rb"STDERR)\r?\n"
)

_lock = threading.Lock()
_state: dict[str, object] = {}


def filter_noise(data: bytes) -> bytes:
    """`data` without the native INFO/WARNING lines (see NOISE)."""
    return NOISE.sub(b"", data)


def silence_native_logs() -> bool:
    """Install the stderr filter once per process; True when it is (or was) installed."""
    if os.environ.get("BACKTRACKER_NATIVE_LOGS") == "1":
        return False
    with _lock:
        if _state.get("pid") == os.getpid() or _state.get("inherited") == _fd2_identity():
            return True
        try:
            with suppress(AttributeError, OSError, ValueError):
                sys.stderr.flush()
            original = os.dup(2)
            read_end, write_end = os.pipe()
            os.dup2(write_end, 2)
            os.close(write_end)
        except OSError:
            return False
        os.set_inheritable(original, False)
        _python_stderr_direct(original)
        reader = threading.Thread(
            target=_forward, args=(read_end, original), name="native-logs", daemon=True
        )
        reader.start()
        _state.update(pid=os.getpid(), original=original, reader=reader, inherited=_fd2_identity())
        atexit.register(_restore)
        return True


def _python_stderr_direct(original: int) -> None:
    """Python's own stderr (progress bars, errors) keeps writing to the real stderr at once
    rather than through the filter thread, so its order with stdout stays as written."""
    current = sys.stderr
    if current is None or current is not sys.__stderr__:
        return  # replaced already (pytest capture, Celery's logging proxy): leave it
    with suppress(AttributeError, OSError, ValueError):
        if current.fileno() != 2:
            return
        sys.stderr = io.TextIOWrapper(
            io.FileIO(os.dup(original), "w"),
            encoding=current.encoding,
            errors=current.errors,
            line_buffering=True,
            write_through=True,
        )


def _fd2_identity() -> tuple[int, int] | None:
    try:
        info = os.fstat(2)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _forward(read_end: int, original: int) -> None:
    pending = b""
    while True:
        try:
            ready, _, _ = select.select([read_end], [], [], 0.2 if pending else None)
            data = os.read(read_end, 65536) if ready else b""
        except OSError:
            return
        if ready and not data:  # every writer has gone
            _write(original, filter_noise(pending))
            return
        if not ready:  # a held tail that never became a noise line: pass it on
            data, pending = pending, b""
            _write(original, data)
            continue
        kept, pending = split_noise(pending + data)
        _write(original, kept)


def split_noise(data: bytes) -> tuple[bytes, bytes]:
    """(what to pass on now, what to hold): noise lines removed; an unfinished last line
    that may still become one (TFLite writes "INFO: ", the text and the newline apart) is
    held back."""
    data = filter_noise(data)
    start = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
    tail = data[start:]
    if tail and _may_become_noise(tail):
        return data[:start], tail
    return data, b""


_HEADS = (
    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
)
_ABSL_HEAD = re.compile(rb"[IW]\d{0,4}(?: [\d:.]*(?:\s+\d*(?: [\w./:-]*(?:\][^\n]*)?)?)?)?")


def _may_become_noise(tail: bytes) -> bool:
    if any(head.startswith(tail) or tail.startswith(head) for head in _HEADS):
        return True
    return len(tail) < 4096 and _ABSL_HEAD.fullmatch(tail) is not None


def _write(fd: int, data: bytes) -> None:
    with suppress(OSError):
        while data:
            data = data[os.write(fd, data) :]


def _restore() -> None:
    """At exit: give fd 2 back to the real stderr (if it is still our pipe) and drain."""
    if _state.get("pid") != os.getpid() or _fd2_identity() != _state.get("inherited"):
        return
    with suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    original = _state["original"]
    assert isinstance(original, int)
    os.dup2(original, 2)
    reader = _state["reader"]
    assert isinstance(reader, threading.Thread)
    reader.join(timeout=1.0)  # EOF once no forked child holds the pipe any more
