"""A city of two units, each with its own plan (lms.campaign.metrics, populations, report and
`flask report coverage --unit/--city`): exact figures.

The city Hải Phòng (HP) has the ward Lê Chân (P-LC) and the commune An Hưng (X-AH).
- The city's plan runs 01/10/2026 - 29/11/2026 (60 days) and follows teachers 80 %, officials
  90 % and households (tracked, no target).
- The ward's plan has the same period and follows primary pupils (tracked), lower-secondary
  pupils 100 %, school staff 80 %, parents 80 % and activities (100 % of schools holding at
  least 2).
- The commune's plan is the calendar year 2026 and follows primary and lower-secondary pupils
  100 %, managers and teachers of its primary and lower-secondary schools 100 %, its officials
  90 %, households 70 % and activities (100 % of schools holding at least 1).
Figures are read as of 30/10/2026: day 30 of 60 for the ward and the city (the pace rule
doubles the percent reached so far), day 303 of 365 for the commune.
"""

import csv
import io
import json
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.campaign import metrics, report, summary
from lms.campaign import trend as trends
from lms.campaign.verify import verify
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import (
    GROUPS,
    INDICATORS,
    Campaign,
    CampaignTarget,
    Completion,
    Course,
    MetricSnapshot,
    OutreachActivity,
    School,
    Unit,
)
from lms.people.households import ensure_household, link_guardian

AS_OF = date(2026, 10, 30)
CONSENT = "Đồng ý của phụ huynh về dữ liệu của con"  # the last three columns of every report


def local(month, day, hour=12, year=2026):
    return datetime(year, month, day, hour) - timedelta(hours=7)


def complete(user, slug, at):
    course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
    assert course_id is not None, slug
    db.session.add(Completion(user_id=user.id, course_id=course_id, completed_at=at, score=100.0))
    db.session.flush()
    summary.refresh_user(db.session, user.id)


def write_course(root, slug, audience):
    folder = root / slug
    folder.mkdir(parents=True)
    (folder / "course.md").write_text(
        f'---\ntitle: "Khóa {slug}"\naudience: {audience}\nrequired: false\ncompetencies: ["1.1"]\n'
        f'minutes: 5\nsummary: "Tóm tắt."\n---\nGiới thiệu.\n', encoding="utf-8")
    (folder / "01-mot.md").write_text('---\ntitle: "Một"\n---\nNội dung.\n', encoding="utf-8")


def family(pupils, guardians=()):
    ensure_household(db.session, pupils[0])
    for pupil in pupils[1:]:
        pupil.household_id = pupils[0].household_id
    for guardian in guardians:
        for pupil in pupils:
            link_guardian(db.session, guardian, pupil)
    db.session.flush()


def plan(unit, name, start, end, targets, minimum=None):
    campaign = Campaign(unit_id=unit.id, name=name, starts_on=start, ends_on=end)
    campaign.targets = [CampaignTarget(group=g, percent=p, minimum=minimum if g == "activities" else None)
                        for g, p in targets.items()]
    db.session.add(campaign)
    db.session.flush()
    return campaign


def activity(school, day, by):
    db.session.add(OutreachActivity(school_id=school.id, held_on=day, title="Ngày hội số",
                                    kind="digital-day", created_by_id=by.id))


def fig(population, covered, percent, target, status, **extra):
    return {"population": population, "covered": covered, "percent": percent, "target": target,
            "status": status, **extra}


def counts(figures):
    return {g: (f.population, f.covered) for g, f in figures.items()}


@pytest.fixture
def city(app, courses, factory, tmp_path):
    """Ward P-LC: TH Lê Chân (3A: w1 covered with guardian g1 covered, w2 alone; principal pw and
    employee ew covered, teacher tw not), MN Hoa Sen (kindergarten class, grade 0: k1 with
    guardian gk covered, k2 alone; teacher tm covered), THCS Trần Phú (7A: siblings w3 covered,
    w4, guardian g3 not covered; teacher tb covered); official ow covered. Activities in the
    period: TH 2, MN 1, THCS 1 (and one before the start, one after the as-of date).

    Commune X-AH: TH&THCS An Hưng (2A: x1 covered 05/10; 6A: x2 covered in March, x3; x1 and x2
    siblings with guardian gx covered 10/10; principal px covered in February, teacher tx
    covered, employee ex not); officials o1 covered, o2 not, o3 left in 2025, o4 inactive.
    One activity, in June."""
    extra = tmp_path / "extra"
    write_course(extra, "ls-course", "[lower-secondary]")
    write_course(extra, "official-course", "[official]")
    report_ = sync_courses(db.session, extra)
    assert not report_.problems.errors, report_.problems
    f = factory
    c = SimpleNamespace()
    c.hp = Unit(code="HP", name="Thành phố Hải Phòng", kind="city")
    db.session.add(c.hp)
    db.session.flush()
    c.ward = Unit(code="P-LC", name="Phường Lê Chân", kind="ward", parent_id=c.hp.id)
    c.commune = Unit(code="X-AH", name="Xã An Hưng", kind="commune", parent_id=c.hp.id)
    db.session.add_all([c.ward, c.commune])
    db.session.flush()

    def school(unit, code, name, level):
        s = School(unit_id=unit.id, code=code, name=name, level=level)
        db.session.add(s)
        db.session.flush()
        return s

    def staff(role, school, staff_role):
        user = f.user(role, school=school, password=None)
        user.staff_role = staff_role
        return user

    def official(unit, **fields):
        user = f.user("official", tier="official", password=None)
        user.unit_id = unit.id
        for name, value in fields.items():
            setattr(user, name, value)
        return user

    pupil = lambda room: f.pupil(room, password=None)  # noqa: E731

    # The ward.
    c.wa = school(c.ward, "TH-LC", "Trường Tiểu học Lê Chân", "tieu-hoc")
    c.wm = school(c.ward, "MN-HS", "Trường Mầm non Hoa Sen", "mam-non")
    c.wb = school(c.ward, "THCS-TP", "Trường THCS Trần Phú", "thcs")
    room_3a, room_la, room_7a = (f.classroom(c.wa, name="3A", grade=3),
                                 f.classroom(c.wm, name="Lá 1", grade=0),
                                 f.classroom(c.wb, name="7A", grade=7))
    c.w1, c.w2 = pupil(room_3a), pupil(room_3a)
    c.k1, c.k2 = pupil(room_la), pupil(room_la)
    c.w3, c.w4 = pupil(room_7a), pupil(room_7a)
    c.pw = staff("school_admin", c.wa, "principal")
    c.tw = staff("teacher", c.wa, "teacher")
    c.ew = staff("teacher", c.wa, "staff")
    c.tm = staff("teacher", c.wm, "teacher")
    c.tb = staff("teacher", c.wb, "teacher")
    c.ow = official(c.ward)
    c.g1, c.gk, c.g3 = (f.user("parent", password=None) for _ in range(3))
    family([c.w1], [c.g1])
    family([c.w2])
    family([c.k1], [c.gk])
    family([c.k2])
    family([c.w3, c.w4], [c.g3])
    complete(c.w1, "quiz-course", local(10, 5))
    complete(c.g1, "quiz-course", local(10, 6))
    complete(c.gk, "quiz-course", local(10, 6))
    complete(c.w3, "ls-course", local(10, 8))
    complete(c.pw, "teacher-course", local(10, 3))
    complete(c.ew, "teacher-course", local(10, 4))
    complete(c.tm, "teacher-course", local(10, 7))
    complete(c.tb, "teacher-course", local(10, 9))
    complete(c.ow, "official-course", local(10, 10))

    # The commune.
    c.xt = school(c.commune, "THCS-AH", "Trường TH&THCS An Hưng", "th-thcs")
    room_2a, room_6a = f.classroom(c.xt, name="2A", grade=2), f.classroom(c.xt, name="6A", grade=6)
    c.x1, c.x2, c.x3 = pupil(room_2a), pupil(room_6a), pupil(room_6a)
    c.px = staff("school_admin", c.xt, "principal")
    c.tx = staff("teacher", c.xt, "teacher")
    c.ex = staff("teacher", c.xt, "staff")
    c.o1, c.o2 = official(c.commune), official(c.commune)
    c.o3 = official(c.commune, staff_until=date(2025, 12, 15))
    c.o4 = official(c.commune, active=False)
    c.gx = f.user("parent", password=None)
    family([c.x1, c.x2], [c.gx])
    family([c.x3])
    complete(c.x1, "quiz-course", local(10, 5))
    complete(c.x2, "ls-course", local(3, 15))
    complete(c.gx, "quiz-course", local(10, 10))
    complete(c.px, "teacher-course", local(2, 10))
    complete(c.tx, "teacher-course", local(10, 12))
    complete(c.o1, "official-course", local(10, 2))
    complete(c.o3, "official-course", local(10, 2))
    complete(c.o4, "official-course", local(10, 2))

    admin = f.user("city_admin", username="thanhpho")
    for s, day in ((c.wa, date(2026, 10, 2)), (c.wa, date(2026, 10, 20)), (c.wm, date(2026, 10, 5)),
                   (c.wb, date(2026, 9, 20)), (c.wb, date(2026, 10, 3)), (c.wb, date(2026, 11, 5)),
                   (c.xt, date(2026, 6, 1))):
        activity(s, day, admin)

    c.city_plan = plan(c.hp, "Kế hoạch thành phố 2026", date(2026, 10, 1), date(2026, 11, 29),
                       {"teachers": 80, "officials": 90, "households": None})
    c.ward_plan = plan(c.ward, "Kế hoạch phường Lê Chân 2025-2026", date(2026, 10, 1),
                       date(2026, 11, 29),
                       {"primary": None, "lower_secondary": 100, "teachers": 80, "parents": 80,
                        "activities": 100}, minimum=2)
    c.commune_plan = plan(c.commune, "Kế hoạch xã An Hưng 2026", date(2026, 1, 1), date(2026, 12, 31),
                          {"primary": 100, "lower_secondary": 100, "managers_teachers": 100,
                           "officials": 90, "households": 70, "activities": 100}, minimum=1)
    f.commit()
    return c


WARD_TOTAL = {
    "primary": fig(2, 1, 50.0, None, "tracked"),
    "lower_secondary": fig(2, 1, 50.0, 100, "on_track"),
    "teachers": fig(5, 4, 80.0, 80, "met"),  # the kindergarten teacher included
    "parents": fig(5, 2, 40.0, 80, "on_track"),  # g1, gk (a kindergarten child's), g3 + 2 expected
    "households": fig(5, 2, 40.0, None, "tracked"),  # not followed by the ward's plan
}


# --- a unit's own report ----------------------------------------------------------------------

def test_the_wards_report_under_its_own_plan(city):
    result = metrics.unit_report(db.session, city.ward_plan, AS_OF)
    data = result.as_dict()
    assert data["unit"] == {"code": "P-LC", "name": "Phường Lê Chân", "kind": "ward"}
    assert data["groups"] == WARD_TOTAL
    assert data["indicators"] == {
        "primary": fig(2, 1, 50.0, None, "tracked", minimum=None),
        "lower_secondary": fig(2, 1, 50.0, 100, "on_track", minimum=None),
        "teachers": fig(5, 4, 80.0, 80, "met", minimum=None),
        "parents": fig(5, 2, 40.0, 80, "on_track", minimum=None),
        # TH Lê Chân held 2 activities; Hoa Sen and Trần Phú 1 each in the period so far.
        "activities": fig(3, 1, 33.3, 100, "behind", minimum=2),
    }
    assert counts(result.total) == {
        "primary": (2, 1), "lower_secondary": (2, 1), "teachers": (5, 4), "parents": (5, 2),
        "households": (5, 2),
        "managers_teachers": (3, 2),  # pw, tw (primary), tb (lower secondary); not ew, not tm
        "officials": (1, 1), "village_households": (0, 0), "activities": (3, 1)}
    # Furthest behind first, over the plan's indicators (a tracked one has no gap).
    by_code = {s["code"]: s for s in data["schools"]}
    assert [s["code"] for s in data["schools"]] == ["THCS-TP", "MN-HS", "TH-LC"]
    assert [round(r.shortfall, 1) for r in result.rows] == [57.5, 43.3, 14.4]
    assert round(result.shortfall, 2) == 39.17  # (50 + 0 + 40 + 66.7) / 4
    assert by_code["TH-LC"]["activities"] == 2
    assert by_code["TH-LC"]["indicators"]["activities"] == fig(1, 1, 100.0, 100, "met", minimum=2)
    assert by_code["MN-HS"]["indicators"]["activities"] == fig(1, 0, 0.0, 100, "behind", minimum=2)
    assert by_code["TH-LC"]["groups"]["primary"] == fig(2, 1, 50.0, None, "tracked")
    assert "officials" not in by_code["TH-LC"]["indicators"]


def test_a_kindergarten_childs_family_counts_but_the_child_is_no_pupil(city):
    result = metrics.unit_report(db.session, city.ward_plan, AS_OF)
    rows = {r.code: r for r in result.rows}
    assert counts(rows["MN-HS"].groups) == {
        "primary": (0, 0), "lower_secondary": (0, 0), "teachers": (1, 1), "managers_teachers": (0, 0),
        "parents": (2, 1), "households": (2, 1)}  # gk covered, k2's expected guardian
    _report, classes = metrics.school_report(db.session, city.ward_plan, city.wm, AS_OF)
    assert classes == []  # no pupil group for the kindergarten class
    assert counts(rows["TH-LC"].groups)["primary"] == (2, 1)
    assert counts(rows["TH-LC"].groups)["managers_teachers"] == (2, 1)


def test_the_communes_report_counts_its_own_officials_and_period(city):
    result = metrics.unit_report(db.session, city.commune_plan, AS_OF)
    data = result.as_dict()
    assert data["unit"] == {"code": "X-AH", "name": "Xã An Hưng", "kind": "commune"}
    assert [s["code"] for s in data["schools"]] == ["THCS-AH"]  # nothing of the ward
    assert data["indicators"] == {
        "primary": fig(1, 1, 100.0, 100, "met", minimum=None),
        # x2's course in March counts: the commune's period began on 01/01.
        "lower_secondary": fig(2, 1, 50.0, 100, "behind", minimum=None),
        "managers_teachers": fig(2, 2, 100.0, 100, "met", minimum=None),  # not the employee ex
        # o1, o2: not o3 (left before the period), o4 (inactive), nor the ward's ow.
        "officials": fig(2, 1, 50.0, 90, "behind", minimum=None),
        "households": fig(2, 1, 50.0, 70, "behind", minimum=None),
        "activities": fig(1, 1, 100.0, 100, "met", minimum=1),  # June, inside the year
    }
    assert counts(result.total)["teachers"] == (3, 2)
    assert data["groups"]["teachers"]["status"] == "tracked"  # counted, not followed
    assert round(result.shortfall, 2) == 18.33


def test_managers_teachers_and_officials_are_traced_week_by_week(city):
    series = trends.trend(db.session, city.commune_plan, AS_OF)
    assert series["officials"][-1][1:] == (1, 50.0)
    assert series["managers_teachers"][-1][1:] == (2, 100.0)
    ward = trends.trend(db.session, city.ward_plan, AS_OF)
    assert ward["officials"][-1][1:] == (1, 100.0)
    assert ward["parents"][-1][1:] == (2, 40.0)  # the kindergarten guardian gk included
    whole = trends.trend(db.session, city.city_plan, AS_OF)  # the city's units together
    assert whole["teachers"][-1][1:] == (5, 62.5)
    assert whole["officials"][-1][1:] == (2, 66.7)


def test_competencies_stay_inside_the_unit(city):
    ward = trends.competencies(db.session, city.ward_plan, AS_OF)
    commune = trends.competencies(db.session, city.commune_plan, AS_OF)
    # official-course and ls-course are tagged 1.1: ow and w3 in the ward; o1, o3, o4 and x2 in
    # the commune (its people, whatever the indicators' rules).
    assert ward["1.1"] == {"official": 1, "lower-secondary": 1}
    assert commune["1.1"] == {"official": 3, "lower-secondary": 1}


# --- the city ---------------------------------------------------------------------------------

CITY_TOTALS = {
    "primary": (3, 2),
    "lower_secondary": (4, 1),  # x2's March course is before the city's period
    "teachers": (8, 5),  # px's February course too
    "managers_teachers": (5, 3),
    "officials": (3, 2),
    "parents": (7, 3),
    "households": (7, 3),
    "village_households": (0, 0),  # no village lists in this city
    "activities": (4, 3),  # at least 1 (the city's plan does not follow it): not An Hưng's June one
}


def test_the_city_report_totals_and_units_side_by_side(city):
    result = metrics.city_report(db.session, city.city_plan, AS_OF)
    assert result.city.code == "HP" and result.as_of == AS_OF
    assert counts(result.total) == CITY_TOTALS
    assert set(result.total) == set(INDICATORS)
    assert result.total["teachers"].as_dict() == fig(8, 5, 62.5, 80, "on_track")
    assert result.total["households"].status == "tracked"
    assert list(result.indicators) == ["teachers", "officials", "households"]
    # Furthest behind first, each unit under its own plan.
    assert [(u.unit.code, u.campaign.id) for u in result.units] == [
        ("P-LC", city.ward_plan.id), ("X-AH", city.commune_plan.id)]
    assert [round(u.shortfall, 2) for u in result.units] == [39.17, 18.33]
    for u in result.units:
        assert u.report.as_dict() == metrics.unit_report(db.session, u.campaign, AS_OF).as_dict()
    data = result.as_dict()
    assert data["unit"] == {"code": "HP", "name": "Thành phố Hải Phòng", "kind": "city"}
    assert data["campaign"]["name"] == "Kế hoạch thành phố 2026"
    assert {g: (f["population"], f["covered"]) for g, f in data["totals"].items()} == CITY_TOTALS
    assert list(data["indicators"]) == ["teachers", "officials", "households"]
    assert [u["unit"]["code"] for u in data["units"]] == ["P-LC", "X-AH"]
    assert data["units"][1]["indicators"]["officials"]["population"] == 2
    assert sorted(s["code"] for s in data["schools"]) == ["MN-HS", "TH-LC", "THCS-AH", "THCS-TP"]


def test_a_unit_without_a_plan_comes_last_and_a_later_date_is_clamped(city):
    third = Unit(code="P-NEW", name="Phường A Mới", kind="ward", parent_id=city.hp.id)
    db.session.add(third)
    db.session.commit()
    result = metrics.city_report(db.session, city.city_plan, date(2027, 3, 1))
    assert result.as_of == date(2026, 11, 29)
    assert [u.unit.code for u in result.units][-1] == "P-NEW"
    assert result.units[-1].report is None and result.units[-1].as_dict()["campaign"] is None
    commune = next(u for u in result.units if u.unit.code == "X-AH")
    assert commune.report.as_of == date(2026, 11, 29)  # the city's date, inside its own period


def test_current_campaign_per_unit(city):
    assert metrics.current_campaign(db.session, city.ward.id) == city.ward_plan
    assert metrics.current_campaign(db.session, city.commune.id) == city.commune_plan
    assert metrics.current_campaign(db.session, city.hp.id) == city.city_plan
    later = plan(city.commune, "Kế hoạch xã 2027", date(2027, 1, 1), date(2027, 12, 31), {"primary": 100})
    db.session.commit()
    assert metrics.current_campaign(db.session, city.commune.id) == later
    assert metrics.current_campaign(db.session, city.ward.id) == city.ward_plan


def test_the_kept_counts_follow_each_plan(city):
    """Each plan keeps its own counts: a new official of the commune moves the commune's plan
    and the city's, not the ward's; `report verify --city` finds nothing to correct."""
    assert counts(metrics.unit_report(db.session, city.commune_plan, AS_OF).total)["officials"] == (2, 1)
    o5 = city.o1.__class__(role="official", tier="official", full_name="Cán Bộ Mới", unit_id=city.commune.id)
    db.session.add(o5)
    db.session.commit()
    assert counts(metrics.unit_report(db.session, city.commune_plan, AS_OF).total)["officials"] == (3, 1)
    assert counts(metrics.unit_report(db.session, city.city_plan, AS_OF).total)["officials"] == (4, 2)
    assert counts(metrics.unit_report(db.session, city.ward_plan, AS_OF).total)["officials"] == (1, 1)
    assert verify(db.session, [city.ward_plan, city.commune_plan, city.city_plan], today=AS_OF) == []


# --- the files --------------------------------------------------------------------------------

def test_the_city_json_csv_and_xlsx(city):
    data, name = report.build(db.session, "json", city=True, as_of=AS_OF)
    assert name == "bao-cao-binh-dan-hoc-vu-so-HP-2026-10-30.json"
    assert json.loads(data) == metrics.city_report(db.session, city.city_plan, AS_OF).as_dict()

    raw, name = report.build(db.session, "csv", city=True, as_of=AS_OF)
    assert name.endswith(".csv") and raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "30/10/2026" in rows[0][0]
    assert rows[1][:3] == ["Mã đơn vị", "Tên đơn vị", "Kế hoạch"]
    assert len(rows[1]) == 3 + 4 * len(INDICATORS) + 3  # then the guardians' consent
    assert rows[1][-3:] == [f"{CONSENT}: có đồng ý", f"{CONSENT}: số học sinh", f"{CONSENT}: tỉ lệ (%)"]
    assert [r[:3] for r in rows[2:]] == [
        ["P-LC", "Phường Lê Chân", "Kế hoạch phường Lê Chân 2025-2026"],
        ["X-AH", "Xã An Hưng", "Kế hoạch xã An Hưng 2026"],
        ["", "Toàn thành phố", "Kế hoạch thành phố 2026"]]
    officials = 3 + 4 * INDICATORS.index("officials")
    assert rows[3][officials:officials + 4] == ["1", "2", "50.0", "90"]  # the commune's own target
    assert rows[2][officials:officials + 4] == ["1", "1", "100.0", ""]  # the ward does not follow it
    assert rows[4][officials:officials + 4] == ["2", "3", "66.7", "90"]  # the city's

    book_bytes, name = report.build(db.session, "xlsx", city=True, as_of=AS_OF)
    book = load_workbook(io.BytesIO(book_bytes))
    assert book.sheetnames == ["Toàn thành phố", "Phường Lê Chân", "Xã An Hưng"]
    sheet = book["Toàn thành phố"]
    assert sheet["A1"].value == "Thành phố Hải Phòng"
    body = list(sheet.iter_rows(min_row=7, values_only=True))
    assert [r[:2] for r in body] == [("P-LC", "Phường Lê Chân"), ("X-AH", "Xã An Hưng"),
                                     (None, "Toàn thành phố")]
    teachers = 3 + 4 * INDICATORS.index("teachers")
    assert body[-1][teachers:teachers + 4] == (5, 8, 0.625, 0.8)
    # Each unit's sheet is that unit's own summary sheet.
    ward_alone = load_workbook(io.BytesIO(report.build(
        db.session, "xlsx", unit_id=city.ward.id, as_of=AS_OF)[0]))
    assert [list(r) for r in book["Phường Lê Chân"].iter_rows(values_only=True)] == [
        list(r) for r in ward_alone.worksheets[0].iter_rows(values_only=True)]


def test_a_units_files_add_the_indicators_its_plan_follows(city):
    raw, name = report.build(db.session, "csv", unit_id=city.commune.id, as_of=AS_OF)
    assert name == "bao-cao-binh-dan-hoc-vu-so-X-AH-2026-10-30.csv"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[1]
    today = 2 + 4 * len(GROUPS) + 1  # the columns of a plan of the five groups
    assert header[today - 1] == "Hoạt động lan tỏa"
    assert header[-3:] == [f"{CONSENT}: có đồng ý", f"{CONSENT}: số học sinh",
                           f"{CONSENT}: tỉ lệ (%)"]
    assert header[today:-3] == [
        "Cán bộ quản lý, giáo viên TH và THCS: đã đạt", "Cán bộ quản lý, giáo viên TH và THCS: tổng số",
        "Cán bộ quản lý, giáo viên TH và THCS: tỉ lệ (%)",
        "Cán bộ quản lý, giáo viên TH và THCS: chỉ tiêu (%)",
        "Cán bộ, công chức, người lao động phường/xã: đã đạt",
        "Cán bộ, công chức, người lao động phường/xã: tổng số",
        "Cán bộ, công chức, người lao động phường/xã: tỉ lệ (%)",
        "Cán bộ, công chức, người lao động phường/xã: chỉ tiêu (%)",
        "Trường có hoạt động lan tỏa: đã đạt", "Trường có hoạt động lan tỏa: tổng số",
        "Trường có hoạt động lan tỏa: tỉ lệ (%)", "Trường có hoạt động lan tỏa: chỉ tiêu (%)"]
    school, total = rows[2], rows[3]
    assert school[:2] == ["THCS-AH", "Trường TH&THCS An Hưng"]
    assert school[today:-3] == ["2", "2", "100.0", "100", "", "", "", "", "1", "1", "100.0", "100"]
    assert total[1] == "Toàn phường/xã"
    assert total[today:-3] == ["2", "2", "100.0", "100", "1", "2", "50.0", "90", "1", "1", "100.0", "100"]

    book = load_workbook(io.BytesIO(report.build(db.session, "xlsx", unit_id=city.ward.id,
                                                 as_of=AS_OF)[0]))
    assert book.sheetnames[1:] == [
        "Học sinh Tiểu học", "Học sinh THCS", "Cán bộ, giáo viên, nhân viên", "Phụ huynh",
        "Hộ gia đình", "Trường có hoạt động lan tỏa"]
    primary = list(book["Học sinh Tiểu học"].iter_rows(min_row=7, values_only=True))
    assert primary[-1][1:7] == ("Toàn phường/xã", 1, 2, 0.5, None, "theo dõi")  # tracked, no target
    outreach = book["Trường có hoạt động lan tỏa"]
    assert "ít nhất 2 hoạt động" in outreach["A4"].value
    lines = list(outreach.iter_rows(min_row=7, values_only=True))
    assert [(r[0], r[2], r[3], r[7]) for r in lines] == [
        ("THCS-TP", 0, 1, 1), ("MN-HS", 0, 1, 1), ("TH-LC", 1, 1, 2), (None, 1, 3, 4)]


# --- the command ------------------------------------------------------------------------------

def coverage(runner, *args):
    return runner.invoke(args=["report", "coverage", *args])


def test_the_command_matches_build_for_a_unit_and_the_city(city, runner, tmp_path):
    for scope, kwargs in ((["--unit", "X-AH"], {"unit_id": city.commune.id}), (["--city"], {"city": True})):
        for fmt in ("json", "csv"):
            out = tmp_path / f"r.{fmt}"
            result = coverage(runner, *scope, "--format", fmt, "--as-of", "2026-10-30", "--output", str(out))
            assert result.exit_code == 0, result.output
            assert out.read_bytes() == report.build(db.session, fmt, as_of=AS_OF, **kwargs)[0]
        out = tmp_path / "r.xlsx"
        assert coverage(runner, *scope, "--format", "xlsx", "--as-of", "2026-10-30",
                        "--output", str(out)).exit_code == 0
        built = load_workbook(io.BytesIO(report.build(db.session, "xlsx", as_of=AS_OF, **kwargs)[0]))
        written = load_workbook(out)
        assert written.sheetnames == built.sheetnames
        for name in built.sheetnames:
            assert list(written[name].values) == list(built[name].values)
    data = json.loads(coverage(runner, "--school", "MN-HS", "--format", "json", "--as-of",
                               "2026-10-30").stdout)
    assert data["unit"]["code"] == "P-LC" and [s["code"] for s in data["schools"]] == ["MN-HS"]


def test_the_command_asks_which_unit(city, runner):
    result = coverage(runner, "--format", "json")
    assert result.exit_code != 0
    assert "P-LC" in result.output and "X-AH" in result.output and "--city" in result.output
    assert "{" not in result.stdout
    both = coverage(runner, "--format", "json", "--unit", "P-LC", "--city")
    assert both.exit_code != 0 and "--unit" in both.output
    unknown = coverage(runner, "--format", "json", "--unit", "P-NOPE")
    assert unknown.exit_code != 0 and "P-NOPE" in unknown.output
    the_city = coverage(runner, "--format", "json", "--unit", "HP")
    assert the_city.exit_code != 0 and "--city" in the_city.output
    elsewhere = coverage(runner, "--format", "json", "--unit", "P-LC", "--school", "THCS-AH")
    assert elsewhere.exit_code != 0 and "THCS-AH" in elsewhere.output


def test_the_command_without_a_plan_for_the_unit(city, runner):
    third = Unit(code="P-NEW", name="Phường Mới", kind="ward", parent_id=city.hp.id)
    db.session.add(third)
    db.session.commit()
    result = coverage(runner, "--format", "json", "--unit", "P-NEW")
    assert result.exit_code != 0 and "campaign" in result.output


def test_refresh_computes_every_unit_and_the_city(city, runner):
    result = runner.invoke(args=["report", "refresh", "--schools"])
    assert result.exit_code == 0, result.output
    assert "2 phường/xã và toàn thành phố và 4 trường" in result.output
    db.session.rollback()
    keys = set(db.session.scalars(select(MetricSnapshot.key)))
    for campaign in (city.ward_plan, city.commune_plan, city.city_plan):
        window = metrics.window_for(campaign, None)
        assert metrics.snapshot_key("competencies", campaign, window) in keys
    window = metrics.window_for(city.commune_plan, None)
    assert metrics.snapshot_key("competencies", city.commune_plan, window, city.xt.id) in keys


def test_verify_and_rebuild_by_unit_and_for_the_city(city, runner):
    for args in (["--city"], ["--unit", "X-AH"], []):
        result = runner.invoke(args=["report", "verify", *args])
        assert result.exit_code == 0, (args, result.output)
    assert runner.invoke(args=["report", "verify", "--unit", "NOPE"]).exit_code != 0




def test_the_city_page_reads_every_units_totals_at_once(city):
    """The city's page (schools=False) gives each unit the same totals, indicators and consent
    as the unit's full report, from a few statements whatever the number of units."""
    full = metrics.city_report(db.session, city.city_plan, AS_OF)
    light = metrics.city_report(db.session, city.city_plan, AS_OF, schools=False)
    assert [u.unit.code for u in light.units] == [u.unit.code for u in full.units]
    for a, b in zip(full.units, light.units, strict=True):
        assert (a.report is None) == (b.report is None)
        if a.report is None:
            continue
        assert {g: f.as_dict() for g, f in a.report.total.items()} == \
            {g: f.as_dict() for g, f in b.report.total.items()}
        assert list(a.report.indicators) == list(b.report.indicators)
        assert a.report.consent == b.report.consent and a.report.as_of == b.report.as_of
        assert b.report.rows == []
