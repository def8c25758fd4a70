"""Decoding in a separate process under a memory cap and time caps.

FFmpeg parses whatever the patient uploaded. Probing rejects what the headers show to be
too big (RELIABILITY 1.6), but a decoder bug or a file whose headers lie could still eat
the worker's memory or spin for ever. So `iter_frames` runs the decoder in a child process
(``python -m mlpipeline.video.sandbox``) that:

- may grow its address space by at most ``memory_mb`` beyond its start-up size
  (``RLIMIT_AS``): an allocation past it fails inside the child, which reports
  ``decode_memory``;
- may use at most ``cpu_seconds`` of CPU (``RLIMIT_CPU``: SIGXCPU, then SIGKILL);
- must answer within ``stall_seconds`` of wall-clock time whenever the parent waits for
  it (a hung decoder); otherwise the parent kills it and reports ``decode_timeout``.

Whatever happens to the child, the caller gets a `VideoRejected` with a reason code and
the worker goes on. The child streams frames over a pipe: geometry once, then per frame
its index and time, the parent answers whether it wants the image, and the child sends
the upright RGB bytes if so. Configuration comes from the environment
(``VIDEO_DECODE_MEMORY_MB``, ``VIDEO_DECODE_CPU_SECONDS``, ``VIDEO_DECODE_STALL_SECONDS``;
``VIDEO_DECODE_SANDBOX=0`` decodes in-process). No Django imports.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mlpipeline.processing.errors import VideoRejected
from mlpipeline.video.decode import Frame, Geometry, iter_frames_in_process
from mlpipeline.video.probe import reject

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]
GEOMETRY = struct.Struct("<5i")  # rotation, upright w, h, work w, h
FRAME = struct.Struct("<qd")  # index, t
LENGTH = struct.Struct("<I")


@dataclass(frozen=True)
class DecodeLimits:
    memory_mb: int = 1024  # address space the decoder may add to its start-up size
    cpu_seconds: int = 600
    stall_seconds: float = 60.0

    @classmethod
    def from_env(cls) -> DecodeLimits:
        return cls(memory_mb=int(os.getenv("VIDEO_DECODE_MEMORY_MB", cls.memory_mb)),
                   cpu_seconds=int(os.getenv("VIDEO_DECODE_CPU_SECONDS", cls.cpu_seconds)),
                   stall_seconds=float(os.getenv("VIDEO_DECODE_STALL_SECONDS",
                                                 cls.stall_seconds)))


def sandbox_enabled() -> bool:
    return os.getenv("VIDEO_DECODE_SANDBOX", "1") != "0"


# --- Parent side ----------------------------------------------------------------------------


class Child:
    """The decoder process and the two pipes to it."""

    def __init__(self, config: dict, limits: DecodeLimits) -> None:
        self.limits = limits
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                           os.getenv("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mlpipeline.video.sandbox", json.dumps(config)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            cwd=ROOT, env=env, close_fds=True)
        self.fd = self.process.stdout.fileno()

    def read(self, count: int, into: memoryview | None = None) -> memoryview:
        """Exactly `count` bytes; a stall or an early end becomes a `VideoRejected`."""
        buffer = into if into is not None else memoryview(bytearray(count))
        done = 0
        while done < count:
            ready, _, _ = select.select([self.fd], [], [], self.limits.stall_seconds)
            if not ready:
                self.kill()
                raise reject("decode_timeout",
                             f"decoder silent for {self.limits.stall_seconds} s")
            got = os.readv(self.fd, [buffer[done:count]])
            if got == 0:
                raise self.ended()
            done += got
        return buffer

    def answer(self, want: bool) -> None:
        try:
            self.process.stdin.write(b"1" if want else b"0")
            self.process.stdin.flush()
        except BrokenPipeError:
            raise self.ended() from None

    def ended(self) -> VideoRejected:
        """Why the child stopped talking."""
        try:
            code = self.process.wait(timeout=self.limits.stall_seconds)
        except subprocess.TimeoutExpired:
            self.kill()
            return reject("decode_timeout", "decoder did not exit")
        self.stderr.seek(0)
        tail = self.stderr.read()[-500:].decode(errors="replace")
        if code == -signal.SIGXCPU:
            return reject("decode_timeout", f"decoder passed its CPU time: {tail}")
        return reject("corrupt_video", f"decoder exited with {code}: {tail}")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def close(self) -> None:
        self.kill()
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()
        self.stderr.close()


def iter_frames_sandboxed(
    path: str | os.PathLike[str],
    *,
    max_long_side: int = 640,
    wanted: Callable[[int, float], bool] | None = None,
    on_geometry: Callable[[Geometry], None] | None = None,
    threads: int = 0,
    limits: DecodeLimits | None = None,
) -> Iterator[Frame]:
    """`decode.iter_frames`, with the decoding done by a capped child process."""
    limits = limits or DecodeLimits.from_env()
    config = {"path": os.path.abspath(os.fspath(path)), "max_long_side": max_long_side,
              "threads": threads, "limits": asdict(limits)}
    child = Child(config, limits)
    geometry: Geometry | None = None
    try:
        while True:
            kind = bytes(child.read(1))
            if kind == b"G":
                rotation, uw, uh, ww, wh = GEOMETRY.unpack(child.read(GEOMETRY.size))
                geometry = Geometry(rotation=rotation, upright_size=(uw, uh),
                                    work_size=(ww, wh))
                if on_geometry is not None:
                    on_geometry(geometry)
            elif kind == b"F":
                index, t = FRAME.unpack(child.read(FRAME.size))
                want = wanted is None or bool(wanted(index, t))
                child.answer(want)
                if not want:
                    yield Frame(index=index, t=t, image=None)
            elif kind == b"I":  # the image of the frame just asked for
                width, height = geometry.work_size
                image = np.empty((height, width, 3), dtype=np.uint8)
                child.read(image.nbytes, memoryview(image).cast("B"))
                yield Frame(index=index, t=t, image=image)
            elif kind == b"E":
                (length,) = LENGTH.unpack(child.read(LENGTH.size))
                error = json.loads(bytes(child.read(length)))
                raise reject(error["code"], error["detail"])
            elif kind == b"D":
                return
            else:
                raise reject("corrupt_video", f"decoder sent {kind!r}")
    finally:
        child.close()


# --- Child side -----------------------------------------------------------------------------


def address_space_now() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_limits(limits: DecodeLimits) -> None:
    cap = address_space_now() + limits.memory_mb * MIB
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def child_main(config: dict) -> int:
    out = sys.stdout.buffer
    inp = sys.stdin.buffer

    def send_error(code: str, detail: str) -> None:
        payload = json.dumps({"code": code, "detail": detail[:500]}).encode()
        out.write(b"E" + LENGTH.pack(len(payload)) + payload)
        out.flush()

    def on_geometry(geometry: Geometry) -> None:
        out.write(b"G" + GEOMETRY.pack(geometry.rotation, *geometry.upright_size,
                                       *geometry.work_size))

    def wanted(index: int, t: float) -> bool:
        out.write(b"F" + FRAME.pack(index, t))
        out.flush()
        reply = inp.read(1)
        if not reply:  # the parent went away: stop quietly
            raise SystemExit(0)
        return reply == b"1"

    apply_limits(DecodeLimits(**config["limits"]))
    try:
        for frame in iter_frames_in_process(config["path"],
                                            max_long_side=config["max_long_side"],
                                            wanted=wanted, on_geometry=on_geometry,
                                            threads=config["threads"]):
            if frame.image is not None:
                out.write(b"I")
                out.write(np.ascontiguousarray(frame.image).data)
        out.write(b"D")
        out.flush()
    except MemoryError as exc:
        send_error("decode_memory", repr(exc))
    except VideoRejected as exc:
        # Under the address-space cap FFmpeg fails an allocation with ENOMEM, or with
        # EAGAIN where it could not map a buffer or start a thread.
        cause = exc.__cause__
        if isinstance(cause, MemoryError) or getattr(cause, "errno", None) in (
                errno.ENOMEM, errno.EAGAIN):
            send_error("decode_memory", exc.detail)
        else:
            send_error(exc.code, exc.detail)
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(child_main(json.loads(sys.argv[1])))
