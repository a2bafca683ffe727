"""Importing the schools of a ward or commune."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.models import Classroom, School, Unit
from lms.people.roster.table import LEVEL_GRADES, LEVEL_NAMES, RosterError
from lms.people.roster.values import _Row, parse_level


def _find_unit(session: Session, unit_code: str | None, *, may_create: bool) -> Unit | None:
    """The unit the file is for; None when a schools file should create it."""
    units = list(session.scalars(select(Unit).order_by(Unit.code)))
    codes = ", ".join(unit.code for unit in units)
    if unit_code:
        match = next((u for u in units if u.code.casefold() == unit_code.strip().casefold()), None)
        if match is not None:
            return match
        if not units and may_create:
            return None
        raise RosterError(
            f"Không có phường/xã mã “{unit_code}”" + (f" (các mã hiện có: {codes})." if units else ".")
        )
    if len(units) == 1:
        return units[0]
    if not units and may_create:
        return None
    if not units:
        raise RosterError("Chưa có phường/xã và trường nào: hãy nhập danh sách trường trước.")
    raise RosterError(f"Có {len(units)} phường/xã ({codes}): chọn một bằng --unit MÃ.")


def _schools_in_scope(session: Session, unit_code: str | None) -> tuple[dict[str, School], str]:
    query = select(School)
    where = ""
    if unit_code:
        unit = _find_unit(session, unit_code, may_create=False)
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


class _Schools:
    def __init__(self, session, report, today, year, unit_code):
        self.session, self.report, self.today, self.year = session, report, today, year
        self.unit_code = unit_code

    def check(self, records) -> list[_SchoolPlan]:
        self.unit = _find_unit(self.session, self.unit_code, may_create=True)
        schools = {s.code.casefold(): s for s in self.session.scalars(select(School))}
        seen: dict[str, int] = {}
        plans = []
        for number, values in records:
            row = _Row(number, values, self.report)
            code = row.required("school_code")
            name = row.name("name")
            level_text = row.required("level")
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
            if school is not None and self.unit is not None and school.unit_id != self.unit.id:
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
                plans.append(_SchoolPlan(code, name, level, school))
        return plans

    def apply(self, plans: list[_SchoolPlan]) -> None:
        session, report = self.session, self.report
        unit = self.unit
        if unit is None and plans:
            unit = Unit(code=self.unit_code.strip() if self.unit_code else "DEFAULT", name="Phường/Xã")
            session.add(unit)  # no flush: a dry run works this out on a session that never writes
            report.details.append(f"thêm phường/xã {unit.code}")
        for plan in plans:
            school = plan.school
            if school is None:
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
