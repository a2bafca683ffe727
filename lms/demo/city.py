"""The city above the demo's ward and commune: Hải Phòng, its own plan and its admin.

Both plans in shared/reference come down from Hải Phòng's Department of Education and
Training (5691/KH-SGDĐT for the ward, 1866/KH-SGDĐT for the commune). The city's plan counts
the five default groups over its whole roster with their default targets, and follows the
units' officials without a target: the department's plans set none for them."""

from datetime import date

from lms.demo.plans import add_plan
from lms.demo.world import Demo
from lms.models import Unit
from lms.models.campaign import DEFAULT_TARGETS

CODE = "HAIPHONG"
NAME = "Thành phố Hải Phòng"
PLAN = "Phong trào Bình dân học vụ số ngành GD&ĐT Hải Phòng"
PERIOD = (date(2025, 9, 1), date(2026, 12, 31))
TARGETS = {**DEFAULT_TARGETS, "officials": None}


def build(demo: Demo) -> Unit:
    city = Unit(code=CODE, name=NAME, kind="city")
    demo.session.add(city)
    demo.session.flush()
    add_plan(demo, city, PLAN, PERIOD, TARGETS)
    demo.user(
        role="city_admin",
        username="thanhpho",
        full_name="Vũ Minh Tuấn",
        unit_id=city.id,
        password_hash=demo.password_hash,
    )
    return city
