"""Importing schools: each belongs to a ward or commune (its row's Mã đơn vị, or the unit of
the file); the units the importer may touch (unit_ids) bound what a file may name."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import Classroom, School, Unit
from lms.people.roster.table import LEVEL_GRADES, LEVEL_NAMES, RosterError
from lms.people.roster.values import _Row, parse_level

OUTSIDE = "không thuộc phường/xã của bạn"


def outside(unit_id: int | None, unit_ids: frozenset[int] | None) -> bool:
    """Whether a unit is beyond the importer's scope (unit_ids None: the CLI, no limit)."""
    return unit_ids is not None and unit_id not in unit_ids


def _find_unit(
    session: Session,
    unit_code: str | None,
    *,
    may_create: bool,
    unit_ids: frozenset[int] | None = None,
) -> Unit | None:
    """The ward or commune the file is for (its rows without a unit code); None when a schools
    file should create it (a first import in an empty database)."""
    units = list(session.scalars(select(Unit).order_by(Unit.code)))
    local = [u for u in units if not u.is_city and not outside(u.id, unit_ids)]
    codes = ", ".join(unit.code for unit in local)
    if unit_code:
        match = next((u for u in units if u.code.casefold() == unit_code.strip().casefold()), None)
        if match is not None and match.is_city:
            raise RosterError(f"{match.code} là thành phố/tỉnh: hãy chọn một phường/xã.")
        if match is not None and outside(match.id, unit_ids):
            raise RosterError(f"Phường/xã {match.code} {OUTSIDE}.")
        if match is not None:
            return match
        if not units and may_create:
            return None
        raise RosterError(
            f"Không có phường/xã mã “{unit_code}”" + (f" (các mã hiện có: {codes})." if local else ".")
        )
    if len(local) == 1:
        return local[0]
    if not units and may_create:
        return None
    if not local:
        raise RosterError("Chưa có phường/xã và trường nào: hãy nhập danh sách trường trước.")
    raise RosterError(
        f"Có {len(local)} phường/xã ({codes}): chọn một bằng --unit MÃ, hoặc thêm cột Mã đơn vị."
    )


def school_units(session: Session) -> dict[int, int]:
    """school id -> its unit's id (a few hundred schools)."""
    return dict(session.execute(select(School.id, School.unit_id)).all())


def units_by_code(session: Session) -> dict[str, Unit]:
    return {unit.code.casefold(): unit for unit in session.scalars(select(Unit))}


def row_unit(row: _Row, units: dict[str, Unit], unit_ids: frozenset[int] | None) -> Unit | None:
    """The ward or commune a row's Mã đơn vị names (None, with the row's error, if it cannot)."""
    code = row.text("unit_code")
    unit = units.get(code.casefold())
    if unit is None:
        row.error(f"không có phường/xã mã {code}")
    elif unit.is_city:
        row.error(f"{unit.code} là thành phố/tỉnh, không phải phường/xã")
    elif outside(unit.id, unit_ids):
        row.error(f"phường/xã {unit.code} {OUTSIDE}")
    else:
        return unit
    return None


def _schools_in_scope(
    session: Session, unit_code: str | None, unit_ids: frozenset[int] | None = None
) -> tuple[dict[str, School], str]:
    """The schools a pupils or staff file may name: every school, or the chosen unit's (a
    school beyond the importer's scope is a row error of its own, see `outside`)."""
    query = select(School)
    where = ""
    if unit_code:
        unit = _find_unit(session, unit_code, may_create=False, unit_ids=unit_ids)
        query = query.where(School.unit_id == unit.id)
        where = f" thuộc {unit.code}"
    schools = {school.code.casefold(): school for school in session.scalars(query)}
    if not schools:
        raise RosterError(
            f"Chưa có trường nào{where}: hãy nhập danh sách trường trước "
            "(tệp có các cột Mã trường, Tên trường, Cấp học)."
        )
    return schools, where


# --- schools -------------------------------------------------------------------------------


@dataclass
class _SchoolPlan:
    code: str
    name: str
    level: str
    school: School | None
    unit: Unit | None  # None: the unit this import creates


class _Schools:
    def __init__(self, session, report, today, year, unit_code, unit_ids=None):
        self.session, self.report, self.today, self.year = session, report, today, year
        self.unit_code, self.unit_ids = unit_code, unit_ids

    def check(self, records) -> list[_SchoolPlan]:
        # Rows without a unit code belong to the unit chosen on import, or the only one.
        if any(not str(values.get("unit_code") or "").strip() for _, values in records):
            self.unit = _find_unit(self.session, self.unit_code, may_create=True, unit_ids=self.unit_ids)
        else:
            self.unit = None
        units = units_by_code(self.session)
        schools = {s.code.casefold(): s for s in self.session.scalars(select(School))}
        seen: dict[str, int] = {}
        plans = []
        for number, values in records:
            row = _Row(number, values, self.report)
            code = row.required("school_code")
            name = row.name("name")
            level_text = row.required("level")
            unit = row_unit(row, units, self.unit_ids) if row.text("unit_code") else self.unit
            level = parse_level(level_text) if level_text else None
            if level_text and level is None:
                row.error(f"Cấp học không hợp lệ: “{level_text}” (ghi Mầm non, Tiểu học, THCS hoặc TH&THCS)")
            if len(code) > 40:
                row.error("Mã trường dài quá 40 ký tự")
            if code and code.casefold() in seen:
                row.error(f"Mã trường {code} trùng với dòng {seen[code.casefold()]}")
            elif code:
                seen[code.casefold()] = number
            school = schools.get(code.casefold()) if code else None
            if school is not None and outside(school.unit_id, self.unit_ids):
                row.error(f"trường {school.code} {OUTSIDE}")
            elif school is not None and unit is not None and school.unit_id != unit.id:
                row.error(f"trường {school.code} thuộc phường/xã khác ({school.unit.code})")
            if school is not None and level and level != school.level:
                rooms = self.session.scalars(
                    select(Classroom).where(
                        Classroom.school_id == school.id, Classroom.school_year == self.year
                    )
                )
                misfits = sorted(r.name for r in rooms if r.grade not in LEVEL_GRADES[level])
                if misfits:
                    row.error(
                        f"không đổi được cấp học của trường {school.code} thành "
                        f"{LEVEL_NAMES[level]}: năm học {self.year} trường có lớp " + ", ".join(misfits)
                    )
            if row.ok:
                plans.append(_SchoolPlan(code, name, level, school, unit))
        return plans

    def apply(self, plans: list[_SchoolPlan]) -> None:
        session, report = self.session, self.report
        new_unit = None
        if any(plan.unit is None for plan in plans):
            new_unit = Unit(code=self.unit_code.strip() if self.unit_code else "DEFAULT", name="Phường/Xã")
            session.add(new_unit)  # no flush: a dry run works this out on a session that never writes
            report.details.append(f"thêm phường/xã {new_unit.code}")
        for plan in plans:
            school = plan.school
            if school is None:
                unit = plan.unit or new_unit
                session.add(School(unit=unit, code=plan.code, name=plan.name, level=plan.level))
                report.created += 1
                report.details.append(f"thêm trường {plan.code} {plan.name} ({LEVEL_NAMES[plan.level]})")
                continue
            changes = []
            if school.name != plan.name:
                changes.append(f"tên “{school.name}” → “{plan.name}”")
                school.name = plan.name
            if school.level != plan.level:
                changes.append(
                    f"cấp học {LEVEL_NAMES.get(school.level, school.level)} → {LEVEL_NAMES[plan.level]}"
                )
                school.level = plan.level
            if changes:
                report.updated += 1
                report.details.append(f"cập nhật trường {school.code}: " + ", ".join(changes))
            else:
                report.unchanged += 1


# --- staff ---------------------------------------------------------------------------------
