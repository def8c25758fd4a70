"""Plots for the physiotherapist's pages, as inline SVG. Pure: matplotlib, no Django."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date

import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global state, safe in web processes
from PIL import Image

FP_COLOUR, EP_COLOUR, INK = "#c0392b", "#1f6fa8", "#1d2733"


def new_axes(width: float, height: float):
    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def figure_svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prologue: the SVG is inlined in HTML


def theta_curve_svg(times: Sequence[float], thetas: Sequence[float | None],
                    repetitions: Sequence[dict], title: str) -> str:
    """Spinal angle over time with each repetition's span shaded and its peak marked."""
    fig, ax = new_axes(6.4, 2.6)
    values = np.array([np.nan if v is None else v for v in thetas], dtype=float)
    ax.plot(times, values, color=INK, linewidth=1.4)
    for number, rep in enumerate(repetitions, start=1):
        ax.axvspan(rep["start_t"], rep["end_t"], color="#f2c14e", alpha=0.25, linewidth=0)
        ax.plot(rep["peak_t"], rep["peak_theta"], "v", color=FP_COLOUR)
        ax.annotate(f"rep {number}", (rep["peak_t"], rep["peak_theta"]),
                    textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set(title=title, xlabel="time (s)", ylabel="theta (degrees)")
    ax.grid(alpha=0.3)
    return figure_svg(fig)


def score_trend_svg(series: dict[str, list[tuple[date, float]]]) -> str:
    """Questionnaire totals over time, one line per questionnaire."""
    fig, ax = new_axes(6.4, 2.6)
    for name, points in sorted(series.items()):
        if points:
            dates, totals = zip(*sorted(points), strict=True)
            ax.plot(dates, totals, marker="o", label=name.upper())
    ax.set(ylabel="total")
    ax.grid(alpha=0.3)
    if series:
        ax.legend(fontsize=8, ncol=4)
    fig.autofmt_xdate()
    return figure_svg(fig)


def weekly_bars_svg(labels: Sequence[str], percents: Sequence[float], title: str) -> str:
    fig, ax = new_axes(6.4, 2.2)
    colours = [EP_COLOUR if p >= 70 else "#e67e22" for p in percents]
    ax.bar(labels, percents, color=colours)
    ax.set(ylim=(0, 100), ylabel="% of planned", title=title)
    ax.grid(axis="y", alpha=0.3)
    return figure_svg(fig)


def png_data_uri(image: np.ndarray) -> str:
    """A greyscale uint8 image as a data: URI for an <img> tag."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
