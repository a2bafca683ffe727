"""Importing a ward's or commune's own officials (cán bộ, công chức, người lao động),
identified by phone number like school staff.

Each becomes an account of role and tier "official" in their unit, which signs in like staff
(first with a setup code their unit's admin prints: lms.admin.officials) and learns the
`official` courses. Their employment dates are kept in staff_from / staff_until, which the
campaign's "officials" figure reads (employed at some time in the plan's period). Their
position and date of birth are not needed and not stored (table._ignorable)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from lms.models import Unit, User
from lms.people.names import name_sort_key
from lms.people.phones import normalize_phone
from lms.people.roster.schools import OUTSIDE, _find_unit, outside, row_unit, units_by_code
from lms.people.roster.table import _text
from lms.people.roster.values import _chunks, _Row, parse_date


@dataclass
class _OfficialPlan:
    unit: Unit
    name: str
    phone: str
    start: date | None
    end: date | None
    user: User | None


class _Officials:
    def __init__(self, session, report, today, year, unit_code, unit_ids=None):
        self.session, self.report, self.today, self.year = session, report, today, year
        self.unit_code, self.unit_ids = unit_code, unit_ids

    def check(self, records) -> list[_OfficialPlan]:
        session = self.session
        # Rows without a unit code belong to the unit chosen on import (--unit), or the only one.
        unit = None
        if any(not str(values.get("unit_code") or "").strip() for _, values in records):
            unit = _find_unit(session, self.unit_code, may_create=False, unit_ids=self.unit_ids)
        units = units_by_code(session)
        phones = sorted({normalize_phone(_text(values.get("phone", ""))) for _, values in records} - {None})
        users = {}
        for chunk in _chunks(phones):
            users.update({u.phone: u for u in session.scalars(select(User).where(User.phone.in_(chunk)))})
        seen: dict[str, int] = {}
        plans = []
        for number, values in records:
            row = _Row(number, values, self.report)
            home = row_unit(row, units, self.unit_ids) if row.text("unit_code") else unit
            name = row.name()
            phone = row.phone("phone")
            user = users.get(phone) if phone else None
            if phone and phone in seen:
                row.error(f"Số điện thoại {phone} trùng với dòng {seen[phone]}")
            elif phone:
                seen[phone] = number
            if user is not None and user.role != "official":
                row.error(f"số điện thoại {phone} đã thuộc về tài khoản không phải cán bộ phường/xã")
            elif user is not None and outside(user.unit_id, self.unit_ids):
                row.error(f"số điện thoại {phone} là của cán bộ một phường/xã khác ({OUTSIDE})")
            start = self._date(row, "start_date")
            end = self._date(row, "end_date")
            if start and end and end < start:
                row.error(f"Ngày nghỉ việc {end:%d/%m/%Y} trước ngày bắt đầu làm việc {start:%d/%m/%Y}")
            if row.ok and home is not None:
                plans.append(_OfficialPlan(home, name, phone, start, end, user))
        return plans

    def _date(self, row: _Row, name: str) -> date | None:
        raw = row.values.get(name, "")
        if not _text(raw):
            return None
        value = parse_date(raw)
        if value is None or value.year < 1950:
            label = "Ngày bắt đầu làm việc" if name == "start_date" else "Ngày nghỉ việc"
            row.error(f"{label} không hợp lệ: “{_text(raw)}” (ghi ngày/tháng/năm, ví dụ 01/07/2025)")
        return value

    def apply(self, plans: list[_OfficialPlan]) -> None:
        session, report = self.session, self.report
        for plan in plans:
            user = plan.user
            if user is None:
                session.add(
                    User(
                        role="official",
                        tier="official",
                        unit_id=plan.unit.id,
                        phone=plan.phone,
                        full_name=plan.name,
                        name_key=name_sort_key(plan.name),
                        staff_from=plan.start or self.today,
                        staff_until=plan.end,
                    )
                )
                report.created += 1
                until = f", nghỉ việc từ {plan.end:%d/%m/%Y}" if plan.end else ""
                report.details.append(f"thêm cán bộ {plan.phone} {plan.name} ({plan.unit.code}{until})")
                continue
            changes = []
            if user.full_name != plan.name:
                changes.append(f"họ tên “{user.full_name}” → “{plan.name}”")
                user.full_name = plan.name
            if user.name_key != name_sort_key(plan.name):
                user.name_key = name_sort_key(plan.name)
            if user.tier != "official":
                user.tier = "official"
                changes.append("nhóm học cán bộ phường/xã")
            if user.unit_id != plan.unit.id:
                changes.append(f"chuyển sang {plan.unit.code}")
                user.unit_id = plan.unit.id
            changes += self._dates(user, plan)
            if changes:
                report.updated += 1
                report.details.append(f"cập nhật cán bộ {plan.phone} {plan.name}: " + ", ".join(changes))
            else:
                report.unchanged += 1

    def _dates(self, user: User, plan: _OfficialPlan) -> list[str]:
        """The file's dates win; without them, as for school staff: an official listed again
        after leaving is back at work from today."""
        changes = []
        if plan.end != user.staff_until:
            if plan.end is not None:
                changes.append(f"nghỉ việc từ {plan.end:%d/%m/%Y}")
            else:
                changes.append("làm việc trở lại")
                if plan.start is None:
                    user.staff_from = self.today
            user.staff_until = plan.end
        if plan.start is not None and plan.start != user.staff_from:
            changes.append(f"ngày bắt đầu làm việc {plan.start:%d/%m/%Y}")
            user.staff_from = plan.start
        elif user.staff_from is None:
            user.staff_from = self.today
            changes.append("ngày bắt đầu làm việc")
        return changes
