"""The class page's progress table, prepared in Python: the template writes each cell as it
comes (a cell is its class, its text and the completion date) instead of working it out from
the matrix's values with filters and tests, 45 x 3 times per view."""

from lms.formatting import format_day, format_score
from lms.teaching.matrix import Column, Matrix

# The cell's CSS class: done, part done (in progress), not started; "l" when late.
_DONE, _PART, _NONE = "d", "p", "n"


def progress_rows(grid: Matrix, columns: list[Column]) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(the pupil's name, [(class, text, completed on) per column]) for each pupil, in order:
    "✓ 95%" and the date when completed, "2/5" lessons when part done, "—" when not started,
    followed by " !" when overdue."""
    values = grid.values
    course_ids = [a.course_id for a in columns]
    rows = []
    for pupil in grid.pupils:
        cells = []
        for course_id in course_ids:
            done, total, at, score, overdue, _failed = values[(pupil.id, course_id)]
            if at is not None:
                cells.append((_DONE, "✓" if score is None else f"✓ {format_score(score)}%", format_day(at)))
            elif done:
                cells.append(
                    (_PART + " l", f"{done}/{total} !", "") if overdue else (_PART, f"{done}/{total}", "")
                )
            else:
                cells.append((_NONE + " l", "— !", "") if overdue else (_NONE, "—", ""))
        rows.append((pupil.full_name, cells))
    return rows
