"""The evidence tables' columns (lms.campaign.evidence_routes): what each is called, what it
sorts by, and the spreadsheet's cells. A column sorts ascending by `?sort=<key>` and descending
by `?sort=-<key>`; rows without a value (no pupils, target not reached) always come last."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.campaign.evidence import Share, school_groups
from lms.campaign.forms import INDICATOR_LABELS
from lms.people.names import name_sort_key
from lms.spreadsheets import Percent

PER_PAGE = 25  # rows on a page: a phone scrolls, and the page stays under the weight limit
TABLE_NAMES = {
    "schools": _l("Schools"),
    "classes": _l("Classes"),
    "teachers": _l("Teachers"),
    "households": _l("Households"),
}
# The models as the plans name them (lms.models.MODELS).
MODEL_NAMES = {
    "school": _l("Model school of digital transformation"),
    "class": _l("Creative digital class"),
    "teacher": _l("Outstanding digital teacher"),
    "household": _l("Digital family"),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable
    descending: bool = True  # what a first click asks for: the most first
    hint: str = ""  # under the heading: the plan's target

    def next_sort(self, current: str) -> str:
        """The sort a click on this column's heading asks for."""
        if current == self.key:
            return f"-{self.key}"
        if current == f"-{self.key}":
            return self.key
        return f"-{self.key}" if self.descending else self.key


def percent(share: Share | None) -> float | None:
    return share.percent if share is not None else None


def school_columns(campaign) -> dict[str, Column]:
    columns = [Column("name", _l("School"), lambda r: r.name.casefold(), False)]
    for g in school_groups(campaign):
        share = lambda r, g=g: r.shares[g].percent  # noqa: E731
        columns.append(Column(f"cov-{g}", INDICATOR_LABELS[g], share, True, _target(campaign.target(g))))
    columns += [
        Column("days", _l("Days to reach the targets"), lambda r: r.days, False),
        Column("helped", _l("Family members helped by pupils"), lambda r: r.helped),
        Column("activities", _l("Activities held"), lambda r: r.activities),
        Column("assisted", _l("Assisted completions"), lambda r: r.assisted),
    ]
    return {c.key: c for c in columns}


def class_columns(_campaign) -> dict[str, Column]:
    columns = [
        Column("name", _l("Class"), lambda r: (r.school_name.casefold(), r.grade, r.name), False),
        Column("teacher", _l("Homeroom teacher"), lambda r: name_sort_key(r.teacher_name) or None, False),
        Column("coverage", _l("Pupils covered"), lambda r: r.share.percent),
        Column("days", _l("Days to reach the target"), lambda r: r.days, False),
        Column("helped", _l("Family members helped by pupils"), lambda r: r.helped),
        Column("assisted", _l("Assisted completions"), lambda r: r.assisted),
    ]
    return {c.key: c for c in columns}


def teacher_columns(_campaign) -> dict[str, Column]:
    columns = [
        Column("name", _l("Teacher"), lambda r: r.name_key, False),
        Column("school", _l("School"), lambda r: r.school_name.casefold(), False),
        Column("covered", _l("Covered in the teacher tier"), lambda r: r.days, False),
        Column("classes", _l("Their homeroom classes covered"), lambda r: percent(r.classes)),
        Column("helped", _l("Family members helped by their classes"), lambda r: r.helped),
        Column("assisted", _l("Completions they assisted"), lambda r: r.assisted),
    ]
    return {c.key: c for c in columns}


def household_columns(_campaign) -> dict[str, Column]:
    columns = [
        Column("code", _l("Household"), lambda r: (r.village_name.casefold(), r.code), False),
        Column("head", _l("Head of household"), lambda r: name_sort_key(r.head_name), False),
        Column("members", _l("Members known"), lambda r: r.members),
        Column("covered", _l("Members covered"), lambda r: r.covered),
        Column("days", _l("Digital family: days until all were covered"), lambda r: r.days, False),
    ]
    return {c.key: c for c in columns}


COLUMNS = {
    "schools": school_columns,
    "classes": class_columns,
    "teachers": teacher_columns,
    "households": household_columns,
}


def sort_rows(rows: list, columns: dict[str, Column], sort: str) -> tuple[str, list]:
    """(the sort applied, the rows in that order); an unknown column: the first, ascending."""
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    if key not in columns:
        key, descending = next(iter(columns)), False
    value = columns[key].value
    present = [r for r in rows if value(r) is not None]
    present.sort(key=value, reverse=descending)
    return ("-" if descending else "") + key, present + [r for r in rows if value(r) is None]


def year_of(text: str | None, as_of: date) -> int:
    """The year the nominees are for: `?year=` when it is one, else the as-of date's."""
    try:
        year = int(text or "")
    except ValueError:
        return as_of.year
    return year if 2000 <= year <= 2100 else as_of.year


def _pct(share: Share | None):
    return Percent(share.percent) if share is not None and share.population else None


def _target(share_target: int | None) -> str:
    return _("target %(t)s%%", t=share_target) if share_target is not None else _("tracked, no target")


def sheet_rows(table: str, columns: dict[str, Column], rows: list, nominated: set[int], year: int):
    """The header and one row per subject, as the page sorts them; names are text cells."""
    nominee = _("Nominee %(year)s", year=year)
    if table == "schools":
        groups = [k.removeprefix("cov-") for k in columns if k.startswith("cov-")]
        targets = {g: rows[0].shares[g].target if rows else None for g in groups}
        yield [
            _("Code"),
            _("School"),
            *(f"{INDICATOR_LABELS[g]} ({_target(targets[g])})" for g in groups),
            _("Reached the targets on"),
            str(columns["days"].label),
            str(columns["helped"].label),
            str(columns["activities"].label),
            str(columns["assisted"].label),
            nominee,
        ]
        for r in rows:
            yield [
                r.code,
                r.name,
                *(_pct(r.shares[g]) for g in groups),
                r.reached_on,
                r.days,
                r.helped,
                r.activities,
                r.assisted,
                _mark(r.id, nominated),
            ]
    elif table == "classes":
        yield [
            _("Class"),
            _("School"),
            _("Homeroom teacher"),
            _("Pupils"),
            _("Covered"),
            _("Pupils covered"),
            _("Target (%)"),
            _("Reached the target on"),
            str(columns["days"].label),
            str(columns["helped"].label),
            str(columns["assisted"].label),
            nominee,
        ]
        for r in rows:
            yield [
                r.name,
                r.school_name,
                r.teacher_name,
                r.share.population,
                r.share.covered,
                _pct(r.share),
                r.share.target,
                r.reached_on,
                r.days,
                r.helped,
                r.assisted,
                _mark(r.id, nominated),
            ]
    elif table == "teachers":
        yield [
            _("Teacher"),
            _("School"),
            _("Covered in the teacher tier on"),
            _("Days from the start"),
            str(columns["classes"].label),
            str(columns["helped"].label),
            str(columns["assisted"].label),
            nominee,
        ]
        for r in rows:
            yield [
                r.name,
                r.school_name,
                r.covered_on,
                r.days,
                _pct(r.classes),
                r.helped,
                r.assisted,
                _mark(r.id, nominated),
            ]
    else:
        yield [
            _("Village"),
            _("Household"),
            _("Head of household"),
            _("Members known"),
            _("Members covered"),
            _("Digital family"),
            _("All covered on"),
            _("Days from the start"),
            nominee,
        ]
        for r in rows:
            yield [
                r.village_name,
                r.code,
                r.head_name,
                r.members,
                r.covered,
                _("yes") if r.digital else _("no"),
                r.since,
                r.days,
                _mark(r.id, nominated),
            ]


def _mark(subject_id: int, nominated: set[int]) -> str:
    return _("yes") if subject_id in nominated else ""
