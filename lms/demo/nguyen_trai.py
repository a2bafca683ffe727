"""Phường Nguyễn Trãi (shared/reference/000_*.txt): the ward People's Committee's instruction
of September 2025 to its Mầm non, Tiểu học, THCS and TH&THCS schools for the school year
2025-2026, and the README's demo accounts (`phuong`, Kim Đồng's 3A, THCS Lê Quý Đôn's 7A1).

Its plan, as the instruction states it, over the school year 2025-2026 (opening day 5
September 2025 to the year's end on 31 May 2026):
- staff, teachers and employees ("cán bộ, giáo viên, người lao động"): 80% or more;
- lower-secondary pupils: 100%;
- primary pupils: "được trang bị kiến thức, kỹ năng số", no percentage: tracked;
- parents: 80% or more;
- outreach: each school organises activities spreading the movement ("tổ chức các hoạt động
  hỗ trợ cộng đồng"): at least one per school, tracked without a share of schools, as the
  instruction sets none."""

from datetime import date

from lms.demo.people import SchoolSpec, build_officials, build_schools, readme_login
from lms.demo.plans import add_outreach, add_plan
from lms.demo.pupils import known_parent
from lms.demo.world import Demo, Learning, Town
from lms.models import Unit
from lms.teaching.pins import set_pin

CODE = "P-NGUYENTRAI"
NAME = "Phường Nguyễn Trãi"
PLAN = "Phong trào Bình dân học vụ số trong các nhà trường, năm học 2025-2026"
PERIOD = (date(2025, 9, 5), date(2026, 5, 31))
TARGETS = {"primary": None, "lower_secondary": 100, "teachers": 80, "parents": 80, "activities": None}
MINIMUM = {"activities": 1}
PIN = "1234"  # every pupil of Kim Đồng's 3A (README)

SCHOOLS = [
    SchoolSpec(
        "TH-KD",
        "Trường Tiểu học Kim Đồng",
        "tieu-hoc",
        (("1A", 1, 32), ("3A", 3, 30), ("5A", 5, 34)),
        0.85,
    ),
    SchoolSpec(
        "THCS-LQD",
        "Trường THCS Lê Quý Đôn",
        "thcs",
        (("6A1", 6, 38), ("7A1", 7, 36), ("8A1", 8, 40), ("9A1", 9, 35)),
        0.3,
    ),
    SchoolSpec(
        "THTHCS-HB",
        "Trường TH&THCS Hòa Bình",
        "th-thcs",
        (("2A", 2, 24), ("4A", 4, 26), ("7A", 7, 28), ("9A", 9, 22)),
        0.6,
    ),
    SchoolSpec(
        "MN-HS",
        "Trường Mầm non Hoa Sen",
        "mam-non",
        (("Mầm 1", 0, 24), ("Chồi 1", 0, 27), ("Lá 1", 0, 30)),
        0.5,
    ),
]

# Lê Quý Đôn held none in the school year 2025-2026, only on 10/10/2026 (the city counts it).
OUTREACH = [
    ("TH-KD", date(2025, 10, 10), "Ngày học tập số 10/10: giúp người thân cài VNeID", "digital-day", 180),
    ("TH-KD", date(2026, 3, 14), "Tập huấn giáo viên dùng trí tuệ nhân tạo soạn bài an toàn", "training", 32),
    ("TH-KD", date(2026, 10, 10), "Ngày hội toàn dân học tập số 2026", "digital-day", 210),
    ("THTHCS-HB", date(2025, 12, 6), "Hướng dẫn phụ huynh dùng VNeID và dịch vụ công", "family", 45),
    ("THTHCS-HB", date(2026, 4, 18), "Học sinh tình nguyện phổ cập kỹ năng số cho ông bà", "community", 60),
    ("MN-HS", date(2025, 11, 15), "Hướng dẫn phụ huynh kết nối với nhà trường qua ứng dụng", "family", 70),
    ("THCS-LQD", date(2026, 10, 10), "Ngày hội toàn dân học tập số 2026", "digital-day", 150),
]


def build(demo: Demo, city: Unit) -> Unit:
    unit = Unit(code=CODE, name=NAME, kind="ward", parent_id=city.id)
    demo.session.add(unit)
    demo.session.flush()
    add_plan(demo, unit, PLAN, PERIOD, TARGETS, MINIMUM)
    demo.user(
        role="ward_admin",
        username="phuong",
        full_name="Trần Thị Hạnh",
        unit_id=unit.id,
        password_hash=demo.password_hash,
    )
    town = Town(unit, Learning(PERIOD[0], shape=(2.0, 4.0), staff_shape=(2.0, 7.0)))
    campuses = build_schools(demo, town, SCHOOLS)
    build_officials(demo, town, 15, date(2025, 7, 1), pace=0.6)
    _readme_accounts(demo, town, campuses)
    add_outreach(demo, campuses, OUTREACH)
    return unit


def _readme_accounts(demo: Demo, town: Town, campuses: dict) -> None:
    """gv.lan (3A's homeroom teacher), hs.minh (7A1), the parent 0909000001 of a 3A and a 7A1
    pupil, and PIN 1234 for every pupil of 3A."""
    year = demo.current_year
    room_3a = campuses["TH-KD"].room(year, "3A")
    room_7a1 = campuses["THCS-LQD"].room(year, "7A1")
    teacher = next(s for s in campuses["TH-KD"].staff if s.id == room_3a.homeroom_teacher_id)
    readme_login(demo, teacher, "gv.lan", "Nguyễn Thị Lan", PERIOD[0])
    pupils_3a, pupils_7a1 = demo.roster[room_3a.id], demo.roster[room_7a1.id]
    minh = pupils_7a1[0]
    readme_login(demo, minh, "hs.minh", minh.full_name.split(" ")[0] + " Đức Minh", PERIOD[0])
    for pupil in pupils_3a:
        set_pin(pupil, PIN)  # sealed too: the demo's cards print without a new PIN
    known_parent(demo, town, "0909000001", "Phạm Thị Thu", [pupils_3a[1], pupils_7a1[1]])
