"""BlazePose lite, full and heavy: which file each uses, where it comes from, installing it.

The mediapipe 0.10.21 wheel ships only `pose_landmark_full.tflite`; with
`model_complexity=0` or `2` MediaPipe tries to download the lite or heavy model from
Google's storage at run time, which fails offline. The npm package `@mediapipe/pose`
0.5.1675469404 (Apache-2.0) ships all three (its full model is byte-identical to the
wheel's), so the install step copies lite and heavy from it into the installed package's
`mediapipe/modules/pose_landmark/`, where `Pose(model_complexity=0|2)` finds them:

    python -m mlpipeline.processing.pose_models install   # make install runs this
    python -m mlpipeline.processing.pose_models check     # what is installed, by hash

The package version and every file's SHA-256 are pinned here; a file that does not match
is never installed nor used. Plain Python: no Django, no MediaPipe import.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mlpipeline.processing.errors import ModelUnavailable

NPM_PACKAGE = "@mediapipe/pose"
NPM_VERSION = "0.5.1675469404"
NPM_SPEC = f"{NPM_PACKAGE}@{NPM_VERSION}"
# The registry's integrity of the tarball (npm checks it too; pinned here against a change).
NPM_INTEGRITY = (
    "sha512-"
    "DFZsNWTsSphRIZppnUCuunzBiHP2FdJXR9ehc7mMi4KG+oPaOH0Em3d6kr7Py+TSyTXC1doH88KcF28k2sBxsQ=="
)
LICENCE = "Apache-2.0"
SKIP_ENV = "BACKTRACKER_SKIP_POSE_MODELS"


@dataclass(frozen=True)
class ModelFile:
    """One TFLite file under the installed mediapipe package."""

    relative: str  # under site-packages/mediapipe/
    sha256: str
    size: int
    source: str

    @property
    def name(self) -> str:
        return self.relative.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class PoseModel:
    name: str
    complexity: int  # mediapipe's model_complexity
    landmark: ModelFile


_WHEEL = "mediapipe 0.10.21 wheel (PyPI), Apache-2.0"
_NPM = f"npm {NPM_SPEC}, {LICENCE}"
DETECTOR = ModelFile(
    "modules/pose_detection/pose_detection.tflite",
    "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    2959046,
    _WHEEL,
)
POSE_MODELS: dict[str, PoseModel] = {
    "lite": PoseModel(
        "lite",
        0,
        ModelFile(
            "modules/pose_landmark/pose_landmark_lite.tflite",
            "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
            2819824,
            _NPM,
        ),
    ),
    "full": PoseModel(
        "full",
        1,
        ModelFile(
            "modules/pose_landmark/pose_landmark_full.tflite",
            "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
            6440512,
            f"{_WHEEL}; byte-identical in npm {NPM_SPEC}",
        ),
    ),
    "heavy": PoseModel(
        "heavy",
        2,
        ModelFile(
            "modules/pose_landmark/pose_landmark_heavy.tflite",
            "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
            27709200,
            _NPM,
        ),
    ),
}
POSE_MODEL_NAMES = tuple(POSE_MODELS)
FROM_NPM = ("lite", "heavy")


class InstallError(RuntimeError):
    """The models could not be installed; the message says what to do."""


def mediapipe_dir() -> Path:
    """The installed `mediapipe` package folder, found without importing it."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("pose_model_missing", "The mediapipe package is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


def file_sha256(path: Path) -> str:
    info = path.stat()
    return _sha256_cached(str(path), info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=32)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_problem(model_file: ModelFile, root: Path | None = None) -> str | None:
    """None when the file is installed and matches its pinned hash, else what is wrong."""
    path = (root or mediapipe_dir()) / model_file.relative
    if not path.is_file():
        return f"{path} is missing"
    if path.stat().st_size != model_file.size or file_sha256(path) != model_file.sha256:
        return f"{path} does not match its pinned SHA-256 {model_file.sha256}"
    return None


def model_problem(name: str) -> str | None:
    """None when BlazePose `name` can run offline, else a sentence saying why not."""
    model = POSE_MODELS[name]
    problem = file_problem(model.landmark)
    if problem is None:
        return None
    how = (
        f"run `make install` (it copies it from the npm package {NPM_SPEC})"
        if name in FROM_NPM
        else "reinstall mediapipe==0.10.21"
    )
    return f"BlazePose {name} is not installed ({problem}); {how}."


def require_model(name: str) -> PoseModel:
    """The model, or ModelUnavailable (a permanent pipeline error) before MediaPipe would
    try to download it."""
    if name not in POSE_MODELS:
        raise ValueError(f"unknown pose model {name!r}; choose one of {POSE_MODEL_NAMES}")
    problem = model_problem(name)
    if problem:
        raise ModelUnavailable("pose_model_missing", problem)
    return POSE_MODELS[name]


def model_hashes(name: str) -> dict[str, str]:
    """{file name: SHA-256} of the files BlazePose `name` runs (detector and landmarks), as
    installed (for the pipeline version)."""
    root = mediapipe_dir()
    hashes = {}
    for model_file in (DETECTOR, POSE_MODELS[name].landmark):
        path = root / model_file.relative
        hashes[model_file.name] = file_sha256(path) if path.is_file() else "missing"
    return hashes


def install(*, npm: str | None = None, root: Path | None = None, quiet: bool = False) -> list[str]:
    """Copy lite and heavy from the pinned npm package into mediapipe; return what was
    copied (nothing when both are there already). Raises InstallError."""
    root = root or mediapipe_dir()
    wanted = [POSE_MODELS[name].landmark for name in FROM_NPM]
    missing = [f for f in wanted if file_problem(f, root) is not None]
    if not missing:
        return []
    npm = npm or shutil.which("npm")
    if not npm:
        raise InstallError(
            f"npm is not installed, and BlazePose lite and heavy come from the npm package "
            f"{NPM_SPEC}. Install Node.js and npm (Debian: apt-get install -y npm) and run "
            f"`make install` again, or set {SKIP_ENV}=1 to go on without them (only "
            f"--pose-model full will run)."
        )
    with tempfile.TemporaryDirectory(prefix="pose-models-") as tmp:
        try:
            subprocess.run(
                [npm, "pack", NPM_SPEC, "--pack-destination", tmp, "--silent"],
                check=True,
                capture_output=True,
                text=True,
                timeout=600,
                cwd=tmp,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", "") or str(exc)
            raise InstallError(f"`npm pack {NPM_SPEC}` failed: {detail.strip()}") from exc
        tarballs = list(Path(tmp).glob("*.tgz"))
        if len(tarballs) != 1:
            raise InstallError(f"`npm pack {NPM_SPEC}` wrote no tarball")
        check_integrity(tarballs[0])
        copied = []
        with tarfile.open(tarballs[0], "r:gz") as archive:
            for model_file in missing:
                try:
                    member = archive.getmember(f"package/{model_file.name}")
                except KeyError as exc:
                    raise InstallError(f"{model_file.name} is not in {NPM_SPEC}") from exc
                source = archive.extractfile(member)
                if source is None:
                    raise InstallError(f"{model_file.name} is not a file in {NPM_SPEC}")
                data = source.read()
                digest = hashlib.sha256(data).hexdigest()
                if digest != model_file.sha256:
                    raise InstallError(
                        f"{model_file.name} from {NPM_SPEC} has SHA-256 {digest}, pinned "
                        f"{model_file.sha256}; nothing was installed"
                    )
                target = root / model_file.relative
                partial = target.with_suffix(".partial")
                try:
                    partial.write_bytes(data)
                    os.replace(partial, target)
                except OSError as exc:
                    raise InstallError(f"cannot write {target}: {exc.strerror or exc}") from exc
                copied.append(str(target))
                if not quiet:
                    print(f"installed {target} ({model_file.source}, sha256 {digest})")
    return copied


def check_integrity(tarball: Path) -> None:
    algorithm, _, expected = NPM_INTEGRITY.partition("-")
    digest = hashlib.new(algorithm, tarball.read_bytes()).digest()
    if base64.b64encode(digest).decode() != expected:
        raise InstallError(f"{tarball.name} does not match the pinned integrity of {NPM_SPEC}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="BlazePose lite/full/heavy model files.")
    parser.add_argument("action", choices=("install", "check"))
    args = parser.parse_args(argv)
    if args.action == "install":
        if os.environ.get(SKIP_ENV) == "1":
            print(f"{SKIP_ENV}=1: BlazePose lite and heavy not installed", file=sys.stderr)
            return 0
        try:
            copied = install()
        except InstallError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if not copied:
            print(f"BlazePose lite and heavy already installed ({NPM_SPEC}, hashes match)")
        return 0
    status = 0
    for name in POSE_MODEL_NAMES:
        problem = model_problem(name)
        print(f"{name:5s} {'ok' if problem is None else problem}")
        status |= problem is not None
    return status


if __name__ == "__main__":
    sys.exit(main())
