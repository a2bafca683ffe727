"""Importing the household lists of a ward's or commune's villages (kind "households"): unit
code (or the unit chosen on import), village code and name, household code, the head of
household's name and the members' phones (village_columns.py).

Villages are created and renamed from the rows, by code within their unit; households are
known by their code within the unit (one that moves to another village keeps it), and updated
by it. A phone is one person's, so it is on one listed household of a unit: twice in the file,
or on a household of the unit that the file does not list, is a row error. Households and
villages missing from a later file are kept. Nothing else is stored: the address, ID numbers
and the like are read past (table._ignorable). After the write, the units' households are
matched to the pupils' families by phone (lms.people.villages.match_households)."""

from dataclasses import dataclass

from sqlalchemy import select

from lms.models import ListedHousehold, Unit, Village
from lms.people.roster.schools import _find_unit, row_unit, units_by_code
from lms.people.roster.values import _Row
from lms.people.roster.village_columns import MAX_PHONES, split_phones
from lms.people.villages import match_households, phones_of


@dataclass
class _HouseholdPlan:
    unit: Unit
    village_code: str
    village_name: str
    code: str
    head_name: str
    phones: list[str]
    listed: ListedHousehold | None


class _Households:
    def __init__(self, session, report, today, year, unit_code, unit_ids=None):
        self.session, self.report, self.today, self.year = session, report, today, year
        self.unit_code, self.unit_ids = unit_code, unit_ids

    def check(self, records) -> list[_HouseholdPlan]:
        session = self.session
        unit = None  # rows without a unit code: the unit chosen on import, or the only one
        if any(not str(values.get("unit_code") or "").strip() for _, values in records):
            unit = _find_unit(session, self.unit_code, may_create=False, unit_ids=self.unit_ids)
        units = units_by_code(session)
        rows = []
        for number, values in records:
            row = _Row(number, values, self.report)
            home = row_unit(row, units, self.unit_ids) if row.text("unit_code") else unit
            rows.append((row, home))
        unit_ids = sorted({home.id for _, home in rows if home is not None})
        self.villages = {
            (v.unit_id, v.code.casefold()): v
            for v in session.scalars(select(Village).where(Village.unit_id.in_(unit_ids)))
        }
        stored = session.execute(
            select(ListedHousehold, Village.unit_id)
            .join(Village, Village.id == ListedHousehold.village_id)
            .where(Village.unit_id.in_(unit_ids))
        ).all()
        listed = {(unit_id, h.code.casefold()): h for h, unit_id in stored}
        phone_owner = {(unit_id, phone): h for h, unit_id in stored for phone in phones_of(h.phones)}

        village_rows: dict[tuple[int, str], tuple[int, str]] = {}  # -> (row, name)
        code_rows: dict[tuple[int, str], int] = {}
        phone_rows: dict[tuple[int, str], int] = {}
        parsed = []
        for row, home in rows:
            village_code = self._code(row, "village_code", "Mã thôn")
            village_name = row.name("village_name")
            code = self._code(row, "household_code", "Mã hộ")
            head = row.name("head_name")
            phones, bad = split_phones(row.text("phones"))
            if bad:
                row.error(
                    "Số điện thoại không hợp lệ: “" + "”, “".join(bad) + "” (mỗi số 10 chữ số, ví dụ "
                    "0912345678; nhiều số cách nhau bằng dấu phẩy hoặc dấu chấm phẩy)"
                )
            if len(phones) > MAX_PHONES:
                row.error(f"quá {MAX_PHONES} số điện thoại trong một hộ")
            if home is None:
                continue
            if village_code and village_name:
                key = (home.id, village_code.casefold())
                first = village_rows.setdefault(key, (row.number, village_name))
                if first[1] != village_name:
                    row.error(f"Mã thôn {village_code} đã ghi tên “{first[1]}” ở dòng {first[0]}")
            if code:
                key = (home.id, code.casefold())
                if key in code_rows:
                    row.error(f"Mã hộ {code} trùng với dòng {code_rows[key]}")
                else:
                    code_rows[key] = row.number
            for phone in phones:
                key = (home.id, phone)
                if key in phone_rows:
                    row.error(f"Số điện thoại {phone} trùng với dòng {phone_rows[key]}")
                else:
                    phone_rows[key] = row.number
            parsed.append((row, home, village_code, village_name, code, head, phones))

        plans = []
        for row, home, village_code, village_name, code, head, phones in parsed:
            for phone in phones:  # on a household of the unit that this file leaves as it is
                owner = phone_owner.get((home.id, phone))
                if owner is not None and (home.id, owner.code.casefold()) not in code_rows:
                    row.error(
                        f"số điện thoại {phone} đã có ở hộ {owner.code} ({owner.head_name}): sửa hộ "
                        "đó trong tệp, hoặc bỏ số này"
                    )
            if row.ok:
                current = listed.get((home.id, code.casefold()))
                plans.append(_HouseholdPlan(home, village_code, village_name, code, head, phones, current))
        return plans

    @staticmethod
    def _code(row: _Row, name: str, label: str) -> str:
        code = row.required(name)
        if len(code) > 40:
            row.error(f"{label} dài quá 40 ký tự")
        return code

    def apply(self, plans: list[_HouseholdPlan]) -> None:
        """The changes, on the session; no flush (a dry run's session never writes)."""
        session, report = self.session, self.report
        villages: dict[tuple[int, str], Village] = {}
        for plan in plans:
            key = (plan.unit.id, plan.village_code.casefold())
            village = villages.get(key)
            if village is None:
                village = villages[key] = self._village(plan, self.villages.get(key))
            text = ", ".join(plan.phones)
            phones = f"{len(plan.phones)} số điện thoại" if plan.phones else "không có số điện thoại"
            listed = plan.listed
            if listed is None:
                session.add(
                    ListedHousehold(village=village, code=plan.code, head_name=plan.head_name, phones=text)
                )
                report.created += 1
                report.details.append(f"thêm hộ {plan.code} {plan.head_name} ({village.code}, {phones})")
                continue
            changes = []
            if listed.village is not village:
                changes.append(f"chuyển từ {listed.village.code} sang {village.code}")
                listed.village = village
            if listed.head_name != plan.head_name:
                changes.append(f"chủ hộ “{listed.head_name}” → “{plan.head_name}”")
                listed.head_name = plan.head_name
            if listed.phones != text:
                changes.append(phones)
                listed.phones = text
            if changes:
                report.updated += 1
                report.details.append(f"cập nhật hộ {listed.code} {plan.head_name}: " + ", ".join(changes))
            else:
                report.unchanged += 1
        self.units = sorted({plan.unit.id for plan in plans})

    def _village(self, plan: _HouseholdPlan, village: Village | None) -> Village:
        if village is None:
            village = Village(unit=plan.unit, code=plan.village_code, name=plan.village_name)
            self.session.add(village)
            self.report.details.append(
                f"thêm thôn {plan.village_code} {plan.village_name} ({plan.unit.code})"
            )
        elif village.name != plan.village_name:
            self.report.details.append(
                f"cập nhật thôn {village.code}: tên “{village.name}” → “{plan.village_name}”"
            )
            village.name = plan.village_name
        return village

    def match(self) -> None:
        """After the write (flushed): match the units' households to pupils' families."""
        for unit_id in self.units:
            found = match_households(self.session, unit_id)
            if len(self.units) > 1:
                code = self.session.get(Unit, unit_id).code
                self.report.details.append(f"{code}: {found.matched} hộ khớp với gia đình học sinh")
            else:
                self.report.details.append(
                    f"{found.matched} hộ khớp với gia đình học sinh (theo số điện thoại)"
                )
