"""The dashboard's plots (pure functions, no database)."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import charts

START = date(2026, 3, 2)
SVG = "{http://www.w3.org/2000/svg}"


def weeks_of(*counts: tuple[int, int]) -> list[tuple[date, int, int]]:
    return [(START + timedelta(days=7 * n), done, planned)
            for n, (done, planned) in enumerate(counts)]


def element(svg: str, gid: str) -> ET.Element | None:
    return ET.fromstring(svg).find(f".//{SVG}g[@id='{gid}']")


def bar_height(svg: str, gid: str) -> float:
    """Height in SVG units of the bar drawn with this id."""
    path = element(svg, gid).find(f"{SVG}path")
    ys = [float(y) for y in re.findall(r"[ML]\s*[-\d.]+\s+([-\d.]+)", path.get("d"))]
    return max(ys) - min(ys)


def test_adherence_chart_draws_sessions_against_the_plan_with_pain() -> None:
    svg = charts.adherence_svg(weeks_of((5, 5), (2, 5), (0, 5)),
                               [(START + timedelta(days=1), 2, 3),
                                (START + timedelta(days=8), 3, 6)])
    for week in range(3):
        assert element(svg, f"done-{week}") is not None
        assert element(svg, f"planned-{week}") is not None
    assert element(svg, "done-3") is None
    assert bar_height(svg, "done-0") == pytest.approx(bar_height(svg, "planned-0"))
    assert bar_height(svg, "done-1") == pytest.approx(0.4 * bar_height(svg, "planned-1"))
    assert element(svg, "pain-before") is not None
    assert element(svg, "pain-after") is not None
    assert "pain (0-10)" in svg


def test_weeks_below_target_are_drawn_in_the_warning_colour() -> None:
    svg = charts.adherence_svg(weeks_of((4, 5), (3, 5)), target=0.8)
    good = ET.tostring(element(svg, "done-0")).decode()
    short = ET.tostring(element(svg, "done-1")).decode()
    assert charts.EP_COLOUR in good
    assert charts.WARN_COLOUR in short
    assert charts.WARN_COLOUR not in good


def test_without_pain_logs_there_is_no_pain_axis() -> None:
    svg = charts.adherence_svg(weeks_of((1, 3)))
    assert element(svg, "pain-after") is None
    assert "pain (0-10)" not in svg


def test_no_weeks_no_chart() -> None:
    assert charts.adherence_svg([]) == ""


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(1, 7)), min_size=1, max_size=12))
def test_every_week_gets_bars_in_proportion_to_its_counts(counts) -> None:
    svg = charts.adherence_svg(weeks_of(*counts))
    ET.fromstring(svg)  # well-formed, to be inlined in the page
    unit = bar_height(svg, "planned-0") / counts[0][1]
    for week, (done, planned) in enumerate(counts):
        assert bar_height(svg, f"planned-{week}") == pytest.approx(planned * unit, abs=0.01)
        assert bar_height(svg, f"done-{week}") == pytest.approx(done * unit, abs=0.01)
    assert element(svg, f"done-{len(counts)}") is None


def test_the_charts_module_does_not_import_django() -> None:
    code = ("import sys, assessments.charts\n"
            "assert not [m for m in sys.modules if m.split('.')[0] == 'django']\n")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
