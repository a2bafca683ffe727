"""Xã Hà Bắc (shared/reference/002_*.txt): the commune's plan for 2026, addressed to its own
officials, its Mầm non, Tiểu học and THCS schools, its villages and families.

Its plan, as its "Chỉ tiêu cụ thể năm 2026" states it, over the calendar year 2026:
- officials ("cán bộ, công chức, người lao động"): above 90% ("trên 90%"), stored as 91, the
  smallest whole percentage above 90;
- managers and teachers of its Tiểu học and THCS schools: 100%;
- pupils: 100% "phù hợp với cấp học": primary and lower-secondary pupils, each 100%;
- households: about 70% ("khoảng 70%") of the commune's households, not only its pupils'
  families: 70 over its villages' household lists (village_households; lms/demo/villages.py);
- outreach: every school ("mỗi cơ sở giáo dục") holds at least one activity: 100% of
  schools, minimum one."""

from datetime import date

from lms.demo import villages
from lms.demo.people import SchoolSpec, build_officials, build_schools, readme_login
from lms.demo.plans import add_outreach, add_plan
from lms.demo.pupils import known_parent
from lms.demo.world import HORIZON, Demo, Learning, Town
from lms.models import Unit

CODE = "X-HABAC"
NAME = "Xã Hà Bắc"
PLAN = "Triển khai Phong trào “Bình dân học vụ số” trên địa bàn xã Hà Bắc năm 2026"
PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
TARGETS = {
    "officials": 91,
    "managers_teachers": 100,
    "primary": 100,
    "lower_secondary": 100,
    "village_households": 70,
    "activities": 100,
}
MINIMUM = {"activities": 1}
OFFICIALS = 25

SCHOOLS = [
    SchoolSpec(
        "MN-HABAC",
        "Trường Mầm non Hà Bắc",
        "mam-non",
        (("Mầm 1", 0, 22), ("Chồi 1", 0, 25), ("Lá 1", 0, 26)),
        0.6,
    ),
    SchoolSpec(
        "TH-HABAC",
        "Trường Tiểu học Hà Bắc",
        "tieu-hoc",
        (("1A", 1, 28), ("2A", 2, 27), ("3A", 3, 30), ("4A", 4, 26), ("5A", 5, 29)),
        0.8,
    ),
    SchoolSpec(
        "THCS-HABAC",
        "Trường THCS Hà Bắc",
        "thcs",
        (("6A", 6, 33), ("7A", 7, 31), ("8A", 8, 30), ("9A", 9, 28)),
        0.65,
    ),
]

# The kindergarten has held none yet in 2026; the primary school's 10/10/2025 day was before
# the plan began (the city's plan counts it).
OUTREACH = [
    ("TH-HABAC", date(2025, 10, 10), "Ngày học tập số 10/10", "digital-day", 140),
    ("TH-HABAC", date(2026, 4, 22), "Tuyên truyền Bình dân học vụ số khi họp phụ huynh", "family", 120),
    ("TH-HABAC", date(2026, 10, 10), "Ngày hội toàn dân học tập số 10/10", "digital-day", 260),
    (
        "THCS-HABAC",
        date(2026, 10, 10),
        "Đoàn viên, học sinh hướng dẫn người dân dùng dịch vụ công trực tuyến",
        "community",
        85,
    ),
]


def build(demo: Demo, city: Unit) -> Unit:
    unit = Unit(code=CODE, name=NAME, kind="commune", parent_id=city.id)
    demo.session.add(unit)
    demo.session.flush()
    add_plan(demo, unit, PLAN, PERIOD, TARGETS, MINIMUM)
    demo.user(
        role="ward_admin",
        username="xa.habac",
        full_name="Nguyễn Thị Hương",
        unit_id=unit.id,
        password_hash=demo.password_hash,
    )
    town = Town(unit, Learning(PERIOD[0]))
    campuses = build_schools(demo, town, SCHOOLS)
    # The commune as it is since 1 July 2025, when wards and communes took over from districts.
    officials = build_officials(demo, town, OFFICIALS, date(2025, 7, 1), pace=0.9)
    readme_login(demo, officials[0], "canbo.habac", "Đặng Văn Hùng", PERIOD[0])
    demo.learns(officials[0], "official", PERIOD[0], HORIZON, 1.0)
    child = demo.roster[campuses["MN-HABAC"].room(demo.current_year, "Lá 1").id][0]
    known_parent(demo, town, "0909000002", "Lương Thị Ngọc", [child])
    add_outreach(demo, campuses, OUTREACH)
    villages.build(demo.session, unit)
    return unit
