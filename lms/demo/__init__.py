"""The demo `make run` shows: the city of Hải Phòng with the two units of shared/reference,
Phường Nguyễn Trãi and Xã Hà Bắc, each with its own schools, classes, staff, families,
officials and plan, and their learners' progress and families' consents.

Deterministic (seeded) so the README's demo accounts always exist. Built in parts: the city
(lms.demo.city), the ward (nguyen_trai), the commune (ha_bac), from shared builders (people,
progress, plans)."""

import random
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts import hash_password
from lms.campaign import summary
from lms.demo import city, consents, ha_bac, models_of_practice, nguyen_trai, progress, teams
from lms.demo.world import Demo, school_years
from lms.models import Course, School, Unit, User
from lms.models.base import today_in_vietnam

DEMO_UNIT = city.CODE
OLD_DEMO_UNIT = "DEMO"  # the single demo ward before the city: a database holding it is left as it is
DEMO_PASSWORD = "demo1234"  # noqa: S105 - documented demo accounts, local demo only
DEMO_PIN = nguyen_trai.PIN

__all__ = ["DEMO_PASSWORD", "DEMO_PIN", "DEMO_UNIT", "DemoRefused", "load_demo"]


class DemoRefused(Exception):
    pass


def load_demo(session: Session, today: date | None = None, seed: int = 2025) -> dict:
    """Create the demo city. Refuses on a database that holds anything but the demo."""
    today = today or today_in_vietnam()
    if session.scalar(select(Unit.id).where(Unit.code.in_((DEMO_UNIT, OLD_DEMO_UNIT)))):
        return {"status": "already"}
    if session.scalar(select(func.count()).select_from(User)) or session.scalar(
        select(func.count()).select_from(School)
    ):
        raise DemoRefused("Cơ sở dữ liệu đã có dữ liệu thật: không nạp dữ liệu mẫu.")
    if not session.scalar(select(func.count()).select_from(Course)):
        raise DemoRefused("Chưa có khóa học: chạy `flask --app lms courses sync` trước.")
    demo = Demo(
        session=session,
        rng=random.Random(seed),  # noqa: S311 - reproducible demo data, not secrets
        today=today,
        password_hash=hash_password(DEMO_PASSWORD),
        years=school_years(today),
    )
    hai_phong = city.build(demo)
    units = [nguyen_trai.build(demo, hai_phong), ha_bac.build(demo, hai_phong)]
    session.flush()
    progress.write(demo)
    consents.write(demo)
    # Hà Bắc's community team: a resident assisted to completion, a pupil who helped a parent.
    teams.build(session, units[1], demo.today, demo.password_hash)
    # Its 10/10 digital learning day, a family event and a nominee for the models (issue 18).
    models_of_practice.build(session, units[1], demo.today)
    summary.rebuild(session)
    session.commit()
    return {
        "status": "loaded",
        "city": hai_phong.name,
        "units": [u.name for u in units],
        "pupils": len(demo.pupils),
        "children": len(demo.children),
        "parents": len(demo.parents),
        "staff": len(demo.staff),
        "officials": len(demo.officials),
    }
