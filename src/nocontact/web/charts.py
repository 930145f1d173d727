"""Chart geometry for server-drawn SVG (no chart library, no script): numbers in, shapes out.

Templates draw the shapes, so every label passes through autoescaping like any other text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Bar", "BarChart", "LineChart", "bar_chart", "line_chart"]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int
    show_label: bool


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    max_value: int
    summary: str


def bar_chart(values: list[tuple[str, int]], *, width: int = 600, height: int = 160, what: str = "contacts",
              label_every: int = 1) -> BarChart:
    n = max(1, len(values))
    top = max((v for _, v in values), default=0)
    plot_h = height - 30
    slot = width / n
    bars = []
    for i, (label, v) in enumerate(values):
        h = 0.0 if top == 0 else plot_h * v / top
        bars.append(Bar(x=i * slot + slot * 0.15, y=10 + plot_h - h, width=slot * 0.7, height=h, label=label,
                        value=v, show_label=(i % label_every == 0 or i == n - 1)))
    total = sum(v for _, v in values)
    summary = (f"{total} {what} in total over {len(values)} periods; the highest was {top}."
               if values else f"No {what} yet.")
    return BarChart(width, height, tuple(bars), top, summary)


@dataclass(frozen=True)
class Series:
    name: str
    points: str  # SVG polyline points
    css: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    series: tuple[Series, ...]
    x_labels: tuple[tuple[float, str], ...]
    summary: str


def line_chart(labels: list[str], series: dict[str, list[int]], *, width: int = 600, height: int = 180,
               lo: int = 1, hi: int = 5) -> LineChart:
    n = len(labels)
    plot_h = height - 30
    step = (width - 40) / max(1, n - 1)
    out = []
    for i, (name, vals) in enumerate(series.items()):
        pts = " ".join(f"{20 + j * step:.1f},{10 + plot_h - plot_h * (v - lo) / (hi - lo):.1f}"
                       for j, v in enumerate(vals))
        out.append(Series(name, pts, f"series-{i}"))
    every = max(1, n // 6)
    xl = tuple((20 + j * step, labels[j]) for j in range(0, n, every))
    summary = (f"{n} check-ins from {labels[0]} to {labels[-1]}." if n else "No check-ins yet.")
    return LineChart(width, height, tuple(out), xl, summary)
