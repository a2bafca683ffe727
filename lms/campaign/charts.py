"""Server-rendered SVG charts: no chart library, readable on a phone."""

from dataclasses import dataclass
from datetime import date


@dataclass
class Line:
    label: str
    css: str
    points: str  # "x,y x,y ..." in the chart's own coordinates
    last: float


WIDTH, HEIGHT, PAD = 320, 160, 24


def trend_lines(series: dict[str, list[tuple[date, int, float]]], labels: dict[str, str]):
    """Polylines of percent per week; x spans the weeks, y 0-100 %."""
    lines = []
    for index, (group, points) in enumerate(series.items()):
        if not points:
            continue
        n = max(len(points) - 1, 1)
        coords = " ".join(
            f"{PAD + (WIDTH - 2 * PAD) * i / n:.1f},{HEIGHT - PAD - (HEIGHT - 2 * PAD) * p / 100:.1f}"
            for i, (_d, _c, p) in enumerate(points)
        )
        lines.append(Line(labels[group], f"s{index}", coords, points[-1][2]))
    return lines


def gridlines() -> list[tuple[int, float]]:
    return [(p, HEIGHT - PAD - (HEIGHT - 2 * PAD) * p / 100) for p in (0, 25, 50, 75, 100)]
