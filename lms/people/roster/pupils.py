"""Importing pupils with their classes and guardians (identified by student code)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.models import Classroom, Enrollment, Guardianship, School, User
from lms.models.people import PRESCHOOL_GRADE
from lms.people.names import normalize_name
from lms.people.phones import normalize_phone
from lms.people.roster.school_software import (
    PARENTS,
    derived_code,
    grade_from_class,
    is_preschool_class,
    is_preschool_grade,
    known_pupils,
)
from lms.people.roster.schools import OUTSIDE, _schools_in_scope, outside, school_units
from lms.people.roster.table import (
    LABELS,
    LEVEL_GRADES,
    LEVEL_NAMES,
    STUDENT_CODE,
    _text,
)
from lms.people.roster.values import _chunks, _Row, parse_date, parse_grade


def birth_years(school_year: str, grade: int) -> tuple[int, int]:
    """The years of birth accepted for a grade in a school year (both included); for a
    kindergarten class, a child of nought to six (a baby may join during the year)."""
    start = int(school_year[:4])
    if grade == PRESCHOOL_GRADE:
        return start - 6, start + 1
    return start - grade - 8, start - grade - 4


@dataclass
class _PupilPlan:
    number: int
    code: str
    name: str
    date_of_birth: date
    school: School
    class_name: str
    grade: int
    pupil: User | None
    guardians: list[tuple[str, str]]  # (phone, name as first written in the file)


class _Pupils:
    def __init__(self, session, report, today, year, unit_code, unit_ids=None):
        self.session, self.report, self.today, self.year = session, report, today, year
        self.unit_code, self.unit_ids = unit_code, unit_ids

    def _load(self, records) -> None:
        session = self.session
        codes = sorted({_text(v.get("student_code", "")) for _, v in records} - {""})
        folded = sorted({code.casefold() for code in codes})
        self.pupils: dict[str, User] = {}
        wanted = set(folded)
        found: list[User] = []
        for chunk in _chunks(codes):
            found.extend(session.scalars(select(User).where(User.student_code.in_(chunk))))
        for chunk in _chunks(folded):
            found.extend(session.scalars(select(User).where(User.username.in_(chunk))))
        for user in found:  # by student code first, then by the username it would take
            for key in (user.student_code or "").casefold(), user.username or "":
                if key in wanted:
                    self.pupils.setdefault(key, user)
        unknown = {key: code for key, code in self.derived_keys.items() if code not in self.pupils}
        for code, user in known_pupils(session, unknown, self.schools).items():
            self.pupils.setdefault(code, user)
        phones = set()
        for _, values in records:
            for name in ("guardian1_phone", "guardian2_phone", *(phone for _, phone in PARENTS)):
                phones.add(normalize_phone(_text(values.get(name, ""))))
        phones.discard(None)
        self.phone_users: dict[str, User] = {}
        for chunk in _chunks(sorted(phones)):
            self.phone_users.update(
                {u.phone: u for u in session.scalars(select(User).where(User.phone.in_(chunk)))}
            )
        school_ids = [school.id for school in self.schools.values()]
        self.rooms: dict[tuple[int, str], Classroom] = {}
        for chunk in _chunks(school_ids):
            for room in session.scalars(
                select(Classroom)
                .where(Classroom.school_year == self.year, Classroom.school_id.in_(chunk))
                .order_by(Classroom.id)
            ):
                self.rooms.setdefault((room.school_id, room.name.casefold()), room)
        pupil_ids = sorted({user.id for user in self.pupils.values() if user.role == "pupil"})
        self.current: dict[int, list[Enrollment]] = {}
        for chunk in _chunks(pupil_ids):
            for enrollment in session.scalars(
                select(Enrollment)
                .options(joinedload(Enrollment.classroom))
                .where(Enrollment.pupil_id.in_(chunk), Enrollment.ended_on.is_(None))
                .order_by(Enrollment.id)
            ):
                self.current.setdefault(enrollment.pupil_id, []).append(enrollment)
        self.links: set[tuple[int, int]] = set()  # (guardian id, pupil id)
        for chunk in _chunks(pupil_ids):
            self.links.update(
                tuple(row)
                for row in session.execute(
                    select(Guardianship.guardian_id, Guardianship.pupil_id).where(
                        Guardianship.pupil_id.in_(chunk)
                    )
                )
            )

    def _fill(self, records) -> list:
        """A school-software file's student codes and grades, where it has no such column."""
        self.derived: set[int] = set()
        self.derived_keys: dict[tuple, str] = {}  # (school code, name, born) -> derived code
        filled = []
        for number, values in records:
            if "student_code" not in values or "grade" not in values:
                values = dict(values)
            if "student_code" not in values:
                self.derived.add(number)
                name = normalize_name(_text(values.get("full_name", "")))
                born = parse_date(values.get("date_of_birth", ""))
                school = _text(values.get("school_code", ""))
                ok = name and born is not None and school
                values["student_code"] = derived_code(school, name, born) if ok else ""
                if ok:
                    self.derived_keys[(school.casefold(), name, born)] = values["student_code"]
            if "grade" not in values:
                values["grade"] = grade_from_class(_text(values.get("class", "")))
                values["grade_from_class"] = True
            filled.append((number, values))
        return filled

    def check(self, records) -> list[_PupilPlan]:
        self.schools, where = _schools_in_scope(self.session, self.unit_code, self.unit_ids)
        self.units_of = school_units(self.session) if self.unit_ids is not None else {}
        records = self._fill(records)
        self._load(records)
        self.nameless_parents = 0
        codes_seen: dict[str, int] = {}
        rooms_seen: dict[tuple[int, str], tuple[int, int]] = {}  # -> (grade, first row)
        guardians_seen: dict[str, str] = {}  # phone -> name as first written
        plans = []
        for number, values in records:
            row = _Row(number, values, self.report)
            derived = number in self.derived
            code = row.text("student_code") if derived else row.required("student_code")
            pupil = None
            if code and derived:
                if code.casefold() in codes_seen:
                    row.error(
                        f"trùng họ tên và ngày sinh với dòng {codes_seen[code.casefold()]} cùng trường: "
                        "thêm cột Mã học sinh để phân biệt"
                    )
                else:
                    codes_seen[code.casefold()] = number
                pupil = self.pupils.get(code.casefold())
            elif code:
                if not STUDENT_CODE.match(code.casefold()):
                    row.error(
                        f"Mã học sinh “{code}” không hợp lệ: 3-40 ký tự gồm chữ không dấu, chữ số, dấu . _ -"
                    )
                if code.casefold() in codes_seen:
                    row.error(f"Mã học sinh {code} trùng với dòng {codes_seen[code.casefold()]}")
                else:
                    codes_seen[code.casefold()] = number
                pupil = self.pupils.get(code.casefold())
            if pupil is not None and pupil.role != "pupil":
                row.error(f"Mã học sinh {code} trùng tên đăng nhập của một tài khoản không phải học sinh")
            elif pupil is not None and self._elsewhere(pupil.school_id):
                row.error(f"học sinh mã {code} đang học ở một trường {OUTSIDE}")
            name = row.name()
            born = self._date_of_birth(row)
            school_code = row.required("school_code")
            school = self.schools.get(school_code.casefold()) if school_code else None
            if school_code and school is None:
                row.error(f"không có trường mã {school_code}{where}")
            elif school is not None and outside(school.unit_id, self.unit_ids):
                row.error(f"trường {school.code} {OUTSIDE}")
            grade = self._grade(row, school)
            if school is not None and grade is not None:
                allowed = LEVEL_GRADES.get(school.level, range(0))
                if grade not in allowed:
                    row.error(
                        f"khối {grade} không thuộc cấp học của trường {school.code} "
                        f"({LEVEL_NAMES.get(school.level, school.level)}: khối "
                        f"{allowed.start}-{allowed.stop - 1})"
                    )
            fits = school is None or grade in LEVEL_GRADES.get(school.level, range(0))
            if born is not None and grade is not None and fits:
                self._plausible_age(row, born, grade)
            class_name = row.required("class")
            if len(class_name) > 40:
                row.error("Tên lớp dài quá 40 ký tự")
            if school is not None and grade is not None and class_name:
                key = (school.id, class_name.casefold())
                room = self.rooms.get(key)
                if room is not None and room.grade != grade:
                    row.error(
                        f"lớp {room.name} năm học {self.year} của trường {school.code} "
                        f"là khối {room.grade}, không phải khối {grade}"
                    )
                elif key in rooms_seen and rooms_seen[key][0] != grade:
                    first_grade, first_row = rooms_seen[key]
                    row.error(
                        f"lớp {class_name} ghi khối {grade} nhưng dòng {first_row} ghi khối {first_grade}"
                    )
                else:
                    rooms_seen.setdefault(key, (grade, number))
            if pupil is not None and pupil.role == "pupil":
                for enrollment in self.current.get(pupil.id, []):
                    if enrollment.classroom.school_year > self.year:
                        row.error(
                            f"học sinh {code} đang học lớp {enrollment.classroom.name} "
                            f"năm học {enrollment.classroom.school_year}, sau năm học "
                            f"{self.year} của tệp"
                        )
            guardians = self._guardians(row, guardians_seen)
            if row.ok:
                plans.append(
                    _PupilPlan(number, code, name, born, school, class_name, grade, pupil, guardians)
                )
        if self.nameless_parents:
            self.report.details.append(
                f"{self.nameless_parents} cha/mẹ/người giám hộ có tên nhưng không có số điện thoại: "
                "không tạo tài khoản phụ huynh (cần số điện thoại để đăng nhập)"
            )
        return plans

    def _elsewhere(self, school_id: int | None) -> bool:
        """Whether a stored pupil is at a school beyond the importer's scope."""
        return school_id is not None and outside(self.units_of.get(school_id), self.unit_ids)

    def _grade(self, row: _Row, school: School | None) -> int | None:
        """The row's Khối, or the number its class name begins with (6A1: 6). A class of a
        preschool, or one named like a kindergarten class ("Chồi 2", "Nhà trẻ 24-36 tháng",
        "Mẫu giáo lớn") of an unknown school, is a kindergarten class: grade 0."""
        from_class = bool(row.values.get("grade_from_class"))
        written = "" if from_class else row.text("grade")  # the file's own Khối
        class_name = row.text("class")
        if school is not None and school.level == "mam-non":
            if written and not is_preschool_grade(written):
                row.error(
                    f"Khối “{written}” không hợp với trường mầm non {school.code}: lớp mầm non "
                    "để trống Khối, hoặc ghi 0, Nhà trẻ, Mẫu giáo, 5 tuổi…"
                )
            return PRESCHOOL_GRADE
        if is_preschool_class(class_name) and (not written or is_preschool_grade(written)):
            if school is None:
                return PRESCHOOL_GRADE  # the unknown school is the row's error
            row.error(
                f"lớp {class_name} là lớp mầm non, nhưng trường {school.code} không phải trường mầm non"
            )
            return None
        if from_class and not row.text("grade"):
            if class_name:
                row.error(
                    f"không nhận ra khối từ tên lớp “{class_name}” (tên lớp bắt đầu "
                    "bằng khối, ví dụ 6A1): thêm cột Khối"
                )
            return None
        grade_text = row.required("grade")
        grade = parse_grade(grade_text) if grade_text else None
        if grade_text and grade is None:
            row.error(f"Khối không hợp lệ: “{grade_text}” (ghi số từ 1 đến 9)")
        return grade

    def _date_of_birth(self, row: _Row) -> date | None:
        raw = row.values.get("date_of_birth", "")
        if not _text(raw):
            row.error("thiếu Ngày sinh")
            return None
        born = parse_date(raw)
        if born is None or born.year < 1900:
            row.error(f"Ngày sinh không hợp lệ: “{_text(raw)}” (ghi ngày/tháng/năm, ví dụ 05/09/2014)")
            return None
        if born > self.today:
            row.error(f"Ngày sinh {born:%d/%m/%Y} ở tương lai")
            return None
        return born

    def _plausible_age(self, row: _Row, born: date, grade: int) -> None:
        """A pupil of grade g turns g + 5 in the autumn the school year starts (grade 1 at six);
        a year younger or up to three years older (late start, repeated years) is accepted.
        Further off is a typing slip, or an Excel serial number read as a date. A
        kindergarten child is under seven."""
        first, last = birth_years(self.year, grade)
        if not first <= born.year <= last:
            what, who = (
                ("lớp mầm non", "trẻ mầm non")
                if grade == PRESCHOOL_GRADE
                else (f"khối {grade}", f"học sinh khối {grade}")
            )
            row.error(
                f"Ngày sinh {born:%d/%m/%Y} không hợp với {what} năm học {self.year}: "
                f"{who} sinh trong các năm {first}–{last}"
            )

    def _guardians(self, row: _Row, seen: dict[str, str]) -> list[tuple[str, str]]:
        """Guardian 1 and 2 need both name and phone, on different phones. A school-software
        file's father, mother and carer are taken as the software writes them: a parent with a
        name but no phone gets no account (counted in the report), and one phone written for
        both parents is one guardian account, under the name written first."""
        guardians: list[tuple[str, str]] = []
        slots = [("guardian1_name", "guardian1_phone", False), ("guardian2_name", "guardian2_phone", False)]
        slots += [(name, phone, True) for name, phone in PARENTS]
        for name_field, phone_field, parent in slots:
            if not row.text(name_field) and not row.text(phone_field):
                continue
            if parent and not row.text(phone_field):
                self.nameless_parents += 1
                continue
            name = row.name(name_field)
            phone = row.phone(phone_field)
            if not name or not phone:
                continue
            if any(phone == other for other, _ in guardians):
                if parent:
                    self.report.details.append(
                        f"lưu ý dòng {row.number}: {LABELS[phone_field]} cùng số {phone} với phụ "
                        "huynh trước: một tài khoản phụ huynh"
                    )
                else:
                    row.error(f"hai phụ huynh cùng số điện thoại {phone}")
                continue
            user = self.phone_users.get(phone)
            if user is not None and user.role != "parent":
                row.error(f"số điện thoại {phone} đã thuộc về tài khoản không phải phụ huynh")
                continue
            first = seen.setdefault(phone, name)
            if first != name:
                self.report.details.append(
                    f"lưu ý dòng {row.number}: số {phone} ghi tên “{name}”, dùng tên “{first}” "
                    "ghi ở dòng trước"
                )
            guardians.append((phone, first))
        return guardians
