"""The class page's lists, prepared in Python: the template writes each line and each cell
of the progress table as it comes instead of working them out with filters, tests and a
translation per line (45 x 3 cells and a "needs help" line per problem on every view)."""

from flask_babel import gettext as _

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


def help_lines(grid: Matrix) -> list[tuple[str, str, int, str]]:
    """Matrix.needs_help_groups() as (the problem, the first six pupils' names, how many more,
    their names): "Failed the quiz of X twice or more; late with 2 courses: An, Bình"."""
    failed_one, failed_many = (
        _("failed the quiz of %(course)s twice or more"),
        _("failed %(n)s quizzes twice or more"),
    )
    late_one, late_many = _("late with %(course)s"), _("late with %(n)s courses")
    lines = []
    for failed, late, pupils in grid.needs_help_groups():
        parts = []
        if failed:
            parts.append(
                failed_one % {"course": failed[0].course.title}
                if len(failed) == 1
                else failed_many % {"n": len(failed)}
            )
        if late:
            parts.append(
                late_one % {"course": late[0].course.title}
                if len(late) == 1
                else late_many % {"n": len(late)}
            )
        problem = "; ".join(parts)
        names = [p.full_name for p in pupils]
        lines.append(
            (problem[:1].upper() + problem[1:], ", ".join(names[:6]), len(names[6:]), ", ".join(names[6:]))
        )
    return lines
