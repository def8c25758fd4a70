"""Plots for the physiotherapist's pages, as inline SVG. Pure: matplotlib, no Django."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
from matplotlib.figure import Figure  # no pyplot: no global state, safe in web processes
from PIL import Image

FP_COLOUR, EP_COLOUR, INK, WARN_COLOUR = "#c0392b", "#1f6fa8", "#1d2733", "#e67e22"


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


def curvature_curve_svg(times: Sequence[float], lumbar: Sequence[float | None],
                        thoracic: Sequence[float | None], standing: tuple[float | None,
                                                                         float | None],
                        title: str) -> str:
    """Lumbar and thoracic outline angles over time, as the change from standing."""
    fig, ax = new_axes(6.4, 2.6)
    for values, base, colour, label in ((lumbar, standing[0], FP_COLOUR, "lumbar (lordosis)"),
                                        (thoracic, standing[1], EP_COLOUR,
                                         "thoracic (kyphosis)")):
        if base is None:
            continue
        series = np.array([np.nan if v is None else v - base for v in values], dtype=float)
        ax.plot(times, series, marker=".", markersize=3, linewidth=1.2, color=colour,
                label=label)
    ax.axhline(0, color=INK, linewidth=0.6)
    ax.set(title=title, xlabel="time (s)", ylabel="change from standing (°)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
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


def adherence_svg(weeks: Sequence[tuple[date, int, int]],
                  pain: Sequence[tuple[date, int, int]] = (), *, target: float = 0.8) -> str:
    """Sessions done per week (bars) against those prescribed (a bar outline), with pain.

    ``weeks`` holds (first day, sessions done, sessions planned) per week; ``pain`` holds
    (day, pain before, pain after) per session, drawn on a 0-10 axis on the right. Weeks
    below ``target`` of the plan are drawn in the warning colour. Each element has an id
    (``done-N``, ``planned-N``, ``pain-before``, ``pain-after``) so pages and tests can
    find it. No weeks: no chart (an empty string).
    """
    if not weeks:
        return ""
    fig, ax = new_axes(6.4, 2.6)
    width = timedelta(days=6)
    for number, (start, done, planned) in enumerate(weeks):
        middle = start + timedelta(days=3.5)
        colour = EP_COLOUR if done >= target * planned else WARN_COLOUR
        ax.bar(middle, planned, width=width, fill=False, edgecolor=INK, linestyle="--",
               linewidth=1, gid=f"planned-{number}",
               label="prescribed" if number == 0 else None)
        ax.bar(middle, done, width=width * 0.7, color=colour, gid=f"done-{number}",
               label="done" if number == 0 else None)
    top = max(max(done, planned) for _, done, planned in weeks)
    first, last = weeks[0][0], weeks[-1][0]
    # At least four weeks wide, so that one week of data is not one huge bar.
    right = max(last + timedelta(days=7.5), first + timedelta(days=27.5))
    ax.set(ylim=(0, top + 1), xlim=(first - timedelta(days=0.5), right),
           ylabel="sessions per week")
    ax.set_xticks([start + timedelta(days=3.5) for start, _, _ in weeks],
                  [f"wk of {start:%d %b}" for start, _, _ in weeks])
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", alpha=0.3)
    handles, labels = ax.get_legend_handles_labels()
    if pain:
        days, before, after = zip(*sorted(pain), strict=True)
        pain_ax = ax.twinx()
        pain_ax.plot(days, before, "o", color="#7f8c8d", markersize=3, gid="pain-before",
                     label="pain before")
        pain_ax.plot(days, after, "-o", color=FP_COLOUR, markersize=3, linewidth=1,
                     gid="pain-after", label="pain after")
        pain_ax.set(ylim=(0, 10.5), ylabel="pain (0-10)")
        more_handles, more_labels = pain_ax.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    ax.legend(handles, labels, fontsize=8, ncol=4, loc="lower left",
              bbox_to_anchor=(0, 1.0), frameon=False)
    fig.autofmt_xdate()
    return figure_svg(fig)


def png_data_uri(image: np.ndarray) -> str:
    """A greyscale uint8 image as a data: URI for an <img> tag."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
