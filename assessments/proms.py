"""Questionnaire totals the platform accepts (structure only; no copyrighted wording).

The ranges follow docs/PROMS.md. CSQ has several published versions; the range here is
the widest (42 items scored 0-6) so any version's total fits.
"""

from __future__ import annotations

PROM_TOTAL_RANGES: dict[str, tuple[float, float]] = {
    "vas": (0, 100),
    "odi": (0, 100),
    "pcs": (0, 52),
    "pseq": (0, 60),
    "sbt": (0, 9),
    "tsk": (17, 68),
    "csq": (0, 252),
    "pass20": (0, 100),
}
PROM_INSTRUMENTS = tuple(PROM_TOTAL_RANGES)


def check_prom_total(instrument: str, total: float) -> None:
    """Raise ValueError with a plain message if the total is outside the instrument's range."""
    low, high = PROM_TOTAL_RANGES[instrument]
    if not low <= total <= high:
        raise ValueError(f"{instrument} total {total:g} is outside {low:g}-{high:g}")
