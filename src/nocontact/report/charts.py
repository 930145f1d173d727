"""The report's three charts, drawn by matplotlib (Agg, no display) into SVG data: URIs.

SVG with text drawn as paths needs no font file and no fetch, so the PDF engine only ever sees
a ``data:`` URI the report made itself. Labels are fixed words and channel names; any ``$``
is escaped so matplotlib never reads a label as mathematical markup.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.dates import date2num  # noqa: E402 - the backend must be chosen first
from matplotlib.figure import Figure  # noqa: E402

from nocontact.report.model import ReportModel, data_uri  # noqa: E402

__all__ = ["Charts", "render_charts"]

_PALETTE = ("#35618f", "#c2703d", "#5b8c5a", "#8d6a9f", "#b5525c", "#4f9a9a", "#a08c3c", "#7a7a7a")
_RC: dict[str, Any] = {"svg.fonttype": "path", "font.family": "DejaVu Sans", "font.size": 8.5, "axes.edgecolor": "#888888",
       "axes.spines.top": False, "axes.spines.right": False, "svg.hashsalt": "nocontact",
       "text.parse_math": False}


class Charts(dict[str, str]):
    """Chart name -> data: URI. Names: ``per_day``, ``heatmap``, ``cumulative``.

    ``per_day_unit`` is what one bar of ``per_day`` counts ("day", "week", ...), for its caption.
    """

    per_day_unit: str = "day"


def _num(dt: datetime) -> float:
    """A naive local datetime as matplotlib's date number."""
    return float(date2num(dt))  # type: ignore[no-untyped-call]


def _label(s: str) -> str:
    return s.replace("$", r"\$")


def _svg(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    return data_uri("image/svg+xml", buf.getvalue())


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


#: Bar widths the per-day chart may use, in days, with their axis wording. A 7-inch chart shows
#: about 200 bars legibly; drawing one bar per day over years cost minutes and a huge SVG.
_BINS: tuple[tuple[int, str], ...] = ((1, "day"), (7, "week"), (28, "4 weeks"), (91, "13 weeks"),
                                      (364, "52 weeks"))
_MAX_BARS = 200
#: Points of the cumulative chart: one per attempt up to this, every k-th attempt past it.
_MAX_STEPS = 2000


def _bin(n_days: int) -> tuple[int, str]:
    """The narrowest bar width that keeps the chart at ``_MAX_BARS`` bars or fewer."""
    for size, word in _BINS:
        if n_days <= _MAX_BARS * size:
            return size, word
    size = -(-n_days // _MAX_BARS)
    return size, f"{size} days"


def _per_day(model: ReportModel) -> tuple[Figure, str]:
    """Attempts per day by channel; over long spans per week (or wider) so it stays ~200 bars."""
    fig = Figure(figsize=(7.2, 2.6))
    ax = fig.add_subplot()
    pts = model.attempts_local
    if not pts:
        ax.text(0.5, 0.5, "No contact after the boundary", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig, "day"
    first = min(d.date() for d, _ in pts)
    if model.boundary_at_local is not None:
        first = min(first, model.boundary_at_local.date())
    last = max(d.date() for d, _ in pts)
    size, word = _bin((last - first).days + 1)
    starts = _days(first, last)[::size]
    channels = [c for c, _ in Counter(c for _, c in pts).most_common()]
    counts = {c: Counter((d.date() - first).days // size for d, ch in pts if ch == c) for c in channels}
    bottom = [0] * len(starts)
    xs = [_num(datetime(d.year, d.month, d.day)) + size / 2 - 0.5 for d in starts]
    width = 0.85 * size
    for i, c in enumerate(channels):
        ys = [counts[c].get(k, 0) for k in range(len(starts))]
        # Only the bars that have height: empty days are the axis, not thousands of invisible patches.
        drawn = [k for k, y in enumerate(ys) if y]
        ax.bar([xs[k] for k in drawn], [ys[k] for k in drawn], width=width, bottom=[bottom[k] for k in drawn],
               label=_label(c), color=_PALETTE[i % len(_PALETTE)], linewidth=0)
        bottom = [b + y for b, y in zip(bottom, ys, strict=True)]
    if model.boundary_at_local is not None:
        b = _num(model.boundary_at_local.replace(tzinfo=None))
        ax.axvline(b, color="#b00020", linewidth=1.2, linestyle="--")
        ax.annotate("boundary", xy=(b, max(bottom) or 1), xytext=(3, -2), textcoords="offset points",
                    color="#b00020", fontsize=8, va="top")
    ax.xaxis_date()
    ax.set_ylabel(f"attempts per {word}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=7.5)
    fig.autofmt_xdate(rotation=0, ha="center")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, word


def _heatmap(model: ReportModel) -> Figure:
    fig = Figure(figsize=(7.2, 2.5))
    ax = fig.add_subplot()
    grid = [[0] * 24 for _ in range(7)]
    for d, _ in model.attempts_local:
        grid[d.weekday()][d.hour] += 1
    # pcolormesh, not imshow: imshow embeds a PNG inside the SVG, which the PDF fetcher would refuse.
    ax.pcolormesh([x - 0.5 for x in range(25)], [y - 0.5 for y in range(8)], grid, cmap="Blues",
                        edgecolors="white", linewidth=0.4)
    ax.invert_yaxis()
    ax.set_yticks(range(7), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel(f"hour of day, local time ({_label(model.zone_name)})")
    peak = max(max(r) for r in grid)
    for y in range(7):
        for x in range(24):
            if grid[y][x]:
                ax.text(x, y, str(grid[y][x]), ha="center", va="center", fontsize=6,
                        color="white" if grid[y][x] > peak * 0.6 else "#222222")
    ax.spines[:].set_visible(False)
    # No colour bar: matplotlib rasterises its gradient into a PNG, and the cells carry their counts.
    return fig


def _cumulative(model: ReportModel) -> Figure:
    fig = Figure(figsize=(7.2, 2.3))
    ax = fig.add_subplot()
    pts = sorted(d for d, _ in model.attempts_local)
    if not pts:
        ax.set_axis_off()
        return fig
    # At most about _MAX_STEPS points (every k-th attempt and the last): 200,000 steps would make a
    # path of megabytes that no 7-inch chart can show and the PDF engine must still parse.
    k = -(-len(pts) // _MAX_STEPS)
    keep = [*range(0, len(pts), k), *([len(pts) - 1] if (len(pts) - 1) % k else [])]
    xs = [_num(pts[i].replace(tzinfo=None)) for i in keep]
    ax.step(xs, [i + 1 for i in keep], where="post", color=_PALETTE[0], linewidth=1.4)
    ax.xaxis_date()
    ax.set_ylabel("attempts so far")
    ax.set_ylim(bottom=0)
    if model.boundary_at_local is not None:
        ax.axvline(_num(model.boundary_at_local.replace(tzinfo=None)), color="#b00020", linewidth=1.2, linestyle="--")
    fig.autofmt_xdate(rotation=0, ha="center")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    return fig


def render_charts(model: ReportModel) -> Charts:
    """Draw the three charts for ``model``; each is a self-contained SVG data: URI."""
    out = Charts()
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        fig, out.per_day_unit = _per_day(model)
        out["per_day"] = _svg(fig)
        out["heatmap"] = _svg(_heatmap(model))
        out["cumulative"] = _svg(_cumulative(model))
    return out
