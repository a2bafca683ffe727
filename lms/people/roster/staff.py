"""Importing a school's teachers, staff and principals (identified by phone number)."""

from dataclasses import dataclass

from sqlalchemy import select

from lms.models import School, User
from lms.people.names import name_sort_key
from lms.people.phones import normalize_phone
from lms.people.roster.schools import OUTSIDE, _schools_in_scope, outside, school_units
from lms.people.roster.table import ROLE_NAMES, _text
from lms.people.roster.values import _chunks, _Row, parse_role


@dataclass
class _StaffPlan:
    school: School
    name: str
    staff_role: str
    phone: str
    user: User | None


class _Staff:
    def __init__(self, session, report, today, year, unit_code, unit_ids=None):
        self.session, self.report, self.today, self.year = session, report, today, year
        self.unit_code, self.unit_ids = unit_code, unit_ids

    def check(self, records) -> list[_StaffPlan]:
        schools, where = _schools_in_scope(self.session, self.unit_code, self.unit_ids)
        units_of = school_units(self.session) if self.unit_ids is not None else {}
        phones = sorted({normalize_phone(_text(values.get("phone", ""))) for _, values in records} - {None})
        users = {}
        for chunk in _chunks(phones):
            users.update(
                {u.phone: u for u in self.session.scalars(select(User).where(User.phone.in_(chunk)))}
            )
        seen: dict[str, int] = {}
        plans = []
        for number, values in records:
            row = _Row(number, values, self.report)
            code = row.required("school_code")
            school = schools.get(code.casefold()) if code else None
            if code and school is None:
                row.error(f"không có trường mã {code}{where}")
            elif school is not None and outside(school.unit_id, self.unit_ids):
                row.error(f"trường {school.code} {OUTSIDE}")
            name = row.name()
            role_text = row.required("role")
            staff_role = parse_role(role_text) if role_text else None
            if role_text and staff_role is None:
                row.error(
                    f"Chức vụ không hợp lệ: “{role_text}” (ghi Giáo viên, Nhân viên, "
                    "Hiệu trưởng hoặc Phó hiệu trưởng)"
                )
            phone = row.phone("phone")
            user = users.get(phone) if phone else None
            if phone and phone in seen:
                row.error(f"Số điện thoại {phone} trùng với dòng {seen[phone]}")
            elif phone:
                seen[phone] = number
            if user is not None and user.role not in ("teacher", "school_admin"):
                row.error(f"số điện thoại {phone} đã thuộc về tài khoản không phải cán bộ, giáo viên")
            elif user is not None and user.school_id and outside(units_of.get(user.school_id), self.unit_ids):
                row.error(f"số điện thoại {phone} là của cán bộ một trường {OUTSIDE}")
            if row.ok:
                plans.append(_StaffPlan(school, name, staff_role, phone, user))
        return plans

    def apply(self, plans: list[_StaffPlan]) -> None:
        session, report = self.session, self.report
        for plan in plans:
            role = "school_admin" if plan.staff_role == "principal" else "teacher"
            user = plan.user
            what = ROLE_NAMES[plan.staff_role]
            if user is None:
                session.add(
                    User(
                        role=role,
                        tier="teacher",
                        staff_role=plan.staff_role,
                        school_id=plan.school.id,
                        phone=plan.phone,
                        full_name=plan.name,
                        name_key=name_sort_key(plan.name),
                        staff_from=self.today,
                    )
                )
                report.created += 1
                report.details.append(f"thêm {what} {plan.phone} {plan.name} ({plan.school.code})")
                continue
            changes = []
            if user.full_name != plan.name:
                changes.append(f"họ tên “{user.full_name}” → “{plan.name}”")
                user.full_name = plan.name
            if user.name_key != name_sort_key(plan.name):
                user.name_key = name_sort_key(plan.name)
            if user.staff_role != plan.staff_role or user.role != role:
                old = ROLE_NAMES.get(user.staff_role or "", user.staff_role or user.role)
                changes.append(f"chức vụ {old} → {what}")
                user.staff_role, user.role = plan.staff_role, role
            if user.tier != "teacher":
                user.tier = "teacher"
                changes.append("nhóm học cán bộ, giáo viên")
            if user.school_id != plan.school.id:
                changes.append(f"chuyển sang trường {plan.school.code}")
                user.school_id = plan.school.id
            if user.staff_until is not None:
                changes.append("làm việc trở lại")
                user.staff_until = None
                user.staff_from = self.today
            elif user.staff_from is None:
                user.staff_from = self.today
                changes.append("ngày bắt đầu làm việc")
            if changes:
                report.updated += 1
                report.details.append(f"cập nhật {what} {plan.phone} {plan.name}: " + ", ".join(changes))
            else:
                report.unchanged += 1


# --- pupils --------------------------------------------------------------------------------
