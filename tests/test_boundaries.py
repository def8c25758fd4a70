"""Numerical and ML code must not import Django, so it can be reused and tested alone."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE_PACKAGES = ["mlpipeline.video", "mlpipeline.processing", "mlpipeline.synthetic",
                 "classifier.ml"]


def pure_modules() -> list[str]:
    """Every module of the pure packages that exist in this checkout."""
    modules = []
    for package in PURE_PACKAGES:
        folder = ROOT / package.replace(".", "/")
        if folder.is_dir():
            modules += [f"{package}.{path.stem}" for path in sorted(folder.glob("*.py"))
                        if path.stem != "__init__"]
            modules.append(package)
    return modules


def test_ml_packages_do_not_import_django() -> None:
    modules = pure_modules()
    assert modules, "no pure ML package found"
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('django', 'rest_framework', 'celery'))\n"
        "assert not leaked, leaked\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]


def test_app_packages_stay_empty_so_the_boundary_holds() -> None:
    for app in ("mlpipeline", "classifier"):
        init = ROOT / app / "__init__.py"
        assert init.read_text().strip() == "", f"{init} must stay empty"
        assert importlib.util.find_spec(app) is not None
