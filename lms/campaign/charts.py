"""Server-rendered SVG charts: no chart library, readable on a phone.

The SVG is drawn 320 units wide and shown at the column's width (about 328 px on a 360 px
phone), so one unit is about one CSS pixel there: labels of 12 units stay readable."""

from dataclasses import dataclass, field
from datetime import date

WIDTH, HEIGHT = 320, 190
LEFT, RIGHT, TOP, BOTTOM = 42, 14, 10, 30  # room for "100%" on the left, dates below
FONT = 12


@dataclass
class Line:
    label: str
    css: str
    points: str  # "x,y x,y ..." in the chart's own coordinates
    last: float


@dataclass
class Tick:
    x: float
    y: float
    text: str
    anchor: str = "end"


@dataclass
class TrendChart:
    lines: list[Line]
    gridlines: list[Tick]  # y, label at the left
    dates: list[Tick] = field(default_factory=list)  # x, label under the time axis
    labels: dict[str, str] = field(default_factory=dict)  # the groups drawn, in order
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    font: int = FONT


def _x(i: int, n: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * i / max(n - 1, 1)


def _y(percent: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * percent / 100


def trend_chart(series: dict[str, list[tuple[date, int, float]]], labels: dict[str, str]) -> TrendChart:
    """Polylines of percent per week for the groups in labels (a group with nobody in it is left
    out); x spans the weeks, y 0-100 %. Each group keeps its colour whichever groups are shown."""
    lines = []
    weeks: list[date] = []
    for index, (group, points) in enumerate(series.items()):
        if group not in labels or not points:
            continue
        n = len(points)
        coords = " ".join(f"{_x(i, n):.1f},{_y(p):.1f}" for i, (_d, _c, p) in enumerate(points))
        lines.append(Line(labels[group], f"s{index}", coords, points[-1][2]))
        weeks = weeks or [d for d, _c, _p in points]
    grid = [Tick(LEFT - 4, _y(p), f"{p}%") for p in (0, 25, 50, 75, 100)]
    drawn = {g: label for g, label in labels.items() if series.get(g)}
    return TrendChart(lines, grid, date_ticks(weeks), drawn)


def date_ticks(weeks: list[date]) -> list[Tick]:
    """The first, middle and last weeks' dates as dd/mm under the axis."""
    n = len(weeks)
    if not n:
        return []
    chosen = sorted({0, (n - 1) // 2, n - 1}) if n > 2 else sorted({0, n - 1})
    y = HEIGHT - BOTTOM + FONT + 6
    ticks = []
    for i in chosen:
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        ticks.append(Tick(_x(i, n), y, weeks[i].strftime("%d/%m"), anchor))
    return ticks
