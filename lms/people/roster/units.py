"""Importing the city and its wards and communes (kind "units": unit_code, name, kind,
parent_code), updated by code.

A ward or commune names its city as parent; a city has none. A unit already stored without a
city gets the one its row names, and keeps the one it has when its row names none: a single
ward installed alone needs no units file at all (a schools file creates its unit)."""

from dataclasses import dataclass

from sqlalchemy import select

from lms.models import School, Unit, User
from lms.people.roster.schools import units_by_code
from lms.people.roster.table import UNIT_KIND_NAMES, _key
from lms.people.roster.values import _Row

_KIND_WORDS = {
    "city": "city",
    "ward": "ward",
    "commune": "commune",
    "thành phố": "city",
    "thanh pho": "city",
    "tp": "city",
    "tỉnh": "city",
    "tinh": "city",
    "phường": "ward",
    "phuong": "ward",
    "xã": "commune",
    "xa": "commune",
    "đặc khu": "commune",  # a special zone ranks with the communes
    "dac khu": "commune",
}


def parse_unit_kind(value: str) -> str | None:
    return _KIND_WORDS.get(_key(value))


@dataclass
class _UnitPlan:
    code: str
    name: str
    kind: str
    parent_code: str | None  # casefolded; None: keep the stored parent (a city: none)
    unit: Unit | None


class _Units:
    def __init__(self, session, report, today, year, unit_code, unit_ids=None):
        self.session, self.report, self.today, self.year = session, report, today, year

    def check(self, records) -> list[_UnitPlan]:
        session = self.session
        self.units = units = units_by_code(session)
        with_schools = set(session.scalars(select(School.unit_id).distinct()))
        with_officials = set(session.scalars(select(User.unit_id).where(User.role == "official").distinct()))
        seen: dict[str, int] = {}
        kinds: dict[str, str] = {}  # code -> kind, as the file says
        parsed = []
        for number, values in records:
            row = _Row(number, values, self.report)
            code = row.required("unit_code")
            name = row.name("unit_name")
            kind_text = row.required("kind")
            kind = parse_unit_kind(kind_text) if kind_text else None
            if kind_text and kind is None:
                row.error(f"Loại không hợp lệ: “{kind_text}” (ghi Thành phố, Tỉnh, Phường hoặc Xã)")
            if len(code) > 40:
                row.error("Mã đơn vị dài quá 40 ký tự")
            if code and code.casefold() in seen:
                row.error(f"Mã đơn vị {code} trùng với dòng {seen[code.casefold()]}")
            elif code:
                seen[code.casefold()] = number
                if kind:
                    kinds[code.casefold()] = kind
            parsed.append((row, code, name, kind))

        children: dict[int, list[Unit]] = {}
        for unit in units.values():
            if unit.parent_id is not None:
                children.setdefault(unit.parent_id, []).append(unit)
        parents_in_file = {
            code.casefold(): row.text("parent_code").casefold() for row, code, _, _ in parsed if code
        }
        plans = []
        for row, code, name, kind in parsed:
            unit = units.get(code.casefold()) if code else None
            parent_text = row.text("parent_code")
            parent_code = parent_text.casefold() or None
            if kind == "city":
                if parent_code:
                    row.error(f"{code} là thành phố/tỉnh: để trống Mã đơn vị cấp trên")
                if unit is not None and not unit.is_city and unit.id in with_schools | with_officials:
                    row.error(f"{unit.code} có trường hoặc cán bộ: không đổi thành thành phố/tỉnh được")
            elif kind and parent_code:
                parent_kind = kinds.get(parent_code) or (
                    units[parent_code].kind if parent_code in units else None
                )
                if parent_code == code.casefold():
                    row.error(f"{code} không thể là đơn vị cấp trên của chính nó")
                elif parent_kind is None:
                    row.error(f"không có đơn vị cấp trên mã {parent_text}")
                elif parent_kind != "city":
                    row.error(f"đơn vị cấp trên {parent_text} không phải thành phố/tỉnh")
            if kind and kind != "city" and unit is not None and unit.is_city:
                # Its wards and communes must all name another city in this file.
                staying = [
                    child.code
                    for child in children.get(unit.id, [])
                    if parents_in_file.get(child.code.casefold(), unit.code.casefold())
                    in ("", unit.code.casefold())
                ]
                if staying:
                    row.error(
                        f"{unit.code} là đơn vị cấp trên của {', '.join(sorted(staying))}: "
                        "không đổi thành phường/xã được"
                    )
            if row.ok:
                plans.append(_UnitPlan(code, name, kind, parent_code if kind != "city" else None, unit))
        return plans

    def apply(self, plans: list[_UnitPlan]) -> None:
        session, report, units = self.session, self.report, self.units
        made: dict[str, Unit] = {}
        for plan in sorted(plans, key=lambda plan: plan.kind != "city"):  # parents first
            parent = None
            if plan.parent_code:
                parent = made.get(plan.parent_code) or units[plan.parent_code]
            what = UNIT_KIND_NAMES[plan.kind]
            unit = plan.unit
            if unit is None:
                unit = Unit(code=plan.code, name=plan.name, kind=plan.kind, parent=parent)
                session.add(unit)  # no flush: a dry run works this out on a session that never writes
                made[plan.code.casefold()] = unit
                report.created += 1
                under = f" thuộc {parent.code}" if parent is not None else ""
                report.details.append(f"thêm {what} {plan.code} {plan.name}{under}")
                continue
            made[plan.code.casefold()] = unit
            changes = []
            if unit.name != plan.name:
                changes.append(f"tên “{unit.name}” → “{plan.name}”")
                unit.name = plan.name
            if unit.kind != plan.kind:
                changes.append(f"loại {UNIT_KIND_NAMES.get(unit.kind, unit.kind)} → {what}")
                unit.kind = plan.kind
            if plan.kind == "city" and unit.parent_id is not None:
                changes.append("bỏ đơn vị cấp trên")
                unit.parent = None
            elif parent is not None and unit.parent is not parent:
                old = unit.parent.code if unit.parent is not None else "không có"
                changes.append(f"đơn vị cấp trên {old} → {parent.code}")
                unit.parent = parent
            if changes:
                report.updated += 1
                report.details.append(f"cập nhật {what} {unit.code}: " + ", ".join(changes))
            else:
                report.unchanged += 1
