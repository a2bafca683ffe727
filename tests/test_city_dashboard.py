"""The city's dashboard over HTTP: every ward and commune side by side under its own plan,
furthest behind first; the drill-down city -> unit -> school -> class; a unit admin kept to their
own unit; downloads per scope equal to what the report command builds (report.build)."""

import io
import re
from datetime import date, datetime, timedelta

import pytest
from conftest import page_text
from openpyxl import load_workbook
from sqlalchemy import select

from lms.campaign import report, summary
from lms.extensions import db
from lms.models import Campaign, CampaignTarget, Completion, Course, OutreachActivity, School, Unit
from lms.people.households import ensure_household, link_guardian

AS_OF = "2026-11-15"


def local(month, day, hour=12):
    return datetime(2026, month, day, hour) - timedelta(hours=7)


def complete(user, slug, at):
    course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
    db.session.add(Completion(user_id=user.id, course_id=course_id, completed_at=at, score=100.0))
    db.session.flush()
    summary.refresh_user(db.session, user.id)


def plan(unit, name, starts_on, ends_on, **targets):
    """A plan following exactly `targets` ({group: percent or None}); activities: 1 a school."""
    return Campaign(unit_id=unit.id, name=name, starts_on=starts_on, ends_on=ends_on, targets=[
        CampaignTarget(group=g, percent=p, minimum=1 if g == "activities" else None)
        for g, p in targets.items()])


class World:
    """The city; its ward (Phường Mẫu: everyone covered but one family, an activity held) and
    its commune (Xã An Lão: nobody covered yet, no activity). The commune's name sorts after
    the ward's, yet it is the one furthest behind."""


@pytest.fixture
def world(app, courses, factory):
    w = World()
    f = factory
    w.city = Unit(code="HP", name="Thành phố Mẫu", kind="city")
    db.session.add(w.city)
    db.session.flush()
    w.ward = f.unit()
    w.ward.parent_id = w.city.id
    w.commune = Unit(code="X-AL", name="Xã An Lão", kind="commune", parent_id=w.city.id)
    db.session.add(w.commune)
    db.session.flush()
    w.a = f.school(code="THHB", name="Trường Tiểu học Hòa Bình", level="tieu-hoc")
    w.c = School(unit_id=w.commune.id, code="THAL", name="Trường Tiểu học An Lão", level="tieu-hoc")
    db.session.add(w.c)
    db.session.flush()
    w.room_a = f.classroom(w.a, name="3A", grade=3)
    w.room_c = f.classroom(w.c, name="4C", grade=4)
    w.a1, w.a2 = f.pupil(w.room_a, password=None), f.pupil(w.room_a, password=None)
    w.c1, w.c2 = f.pupil(w.room_c, password=None), f.pupil(w.room_c, password=None)
    w.ta = f.user("teacher", username="gv.a", school=w.a)
    w.tc = f.user("teacher", username="gv.c", school=w.c)
    w.ta.staff_role = w.tc.staff_role = "teacher"
    w.g1 = f.user("parent", username="ph.a1")
    official = f.user("official", tier="official", username="canbo.c")
    official.unit_id = w.commune.id
    w.admin = f.user("ward_admin", username="phuong")
    w.admin.unit_id = w.ward.id
    f.user("ward_admin", username="xa").unit_id = w.commune.id
    f.user("city_admin", username="thanhpho").unit_id = w.city.id
    for pupil in (w.a1, w.a2, w.c1, w.c2):
        ensure_household(db.session, pupil)
    link_guardian(db.session, w.g1, w.a1)
    for user in (w.a1, w.a2, w.g1):
        complete(user, "quiz-course", local(10, 5))
    complete(w.ta, "teacher-course", local(10, 3))
    db.session.add(OutreachActivity(school_id=w.a.id, held_on=date(2026, 10, 10), title="Ngày hội số",
                                    kind="digital-day", participants=80, created_by_id=w.admin.id))
    # The ward's plan as the ward directive states it; the commune's as its plan does.
    w.ward_plan = plan(w.ward, "Kế hoạch phường 2026-2027", date(2026, 9, 1), date(2027, 5, 31),
                       primary=None, lower_secondary=100, teachers=80, parents=80, activities=100)
    w.commune_plan = plan(w.commune, "Kế hoạch xã năm 2026", date(2026, 1, 1), date(2026, 12, 31),
                          primary=100, managers_teachers=100, officials=90, households=70,
                          activities=100)
    w.city_plan = plan(w.city, "Kế hoạch thành phố 2026", date(2026, 1, 1), date(2026, 12, 31),
                       primary=100, lower_secondary=100, teachers=80, parents=80, households=70)
    db.session.add_all([w.ward_plan, w.commune_plan, w.city_plan])
    f.commit()
    return w


@pytest.fixture
def signed_in(make_browser):
    def sign_in(login):
        browser = make_browser()
        assert browser.login(login).status_code == 302
        return browser
    return sign_in


def unit_rows(html):
    """The city's table of units: [(unit id, [cell texts])] in the page's order."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        unit_id = int(re.search(r'href="/dashboard/units/(\d+)\?', row).group(1))
        cells = [page_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows.append((unit_id, cells))
    return rows


def test_the_city_sees_every_unit_furthest_behind_first_with_its_own_targets(signed_in, world):
    html = signed_in("thanhpho").get(f"/dashboard/?as_of={AS_OF}").get_data(as_text=True)
    text = page_text(html)
    assert "Thành phố Mẫu" in text and "Kế hoạch thành phố 2026" in text
    rows = unit_rows(html)
    # Columns: every indicator some unit's plan follows, in report order: primary,
    # lower_secondary, teachers, managers_teachers, officials, parents, households, activities.
    # Under each figure the unit's own target ("—" tracked without one), "—" alone where its
    # plan does not follow the indicator or nobody is in it.
    assert rows == [
        (world.commune.id, ["0%100%", "—", "—", "0%100%", "0%90%", "—", "0%70%", "0%100%"]),
        (world.ward.id, ["100%—", "—", "100%80%", "—", "—", "50%80%", "—", "100%100%"]),
    ]
    assert "Kế hoạch xã năm 2026" in text and "Kế hoạch phường 2026-2027" in text
    # The city's totals: everyone of both units, with the city plan's targets.
    totals = re.search(r'<ul class="kpis">(.*?)</ul>', html, re.S).group(1)
    figures = [page_text(li) for li in re.findall(r"<li[^>]*>(.*?)</li>", totals, re.S)]
    assert figures[0] == "Học sinh Tiểu học50% 2/4 · chỉ tiêu 100% · chậm tiến độ"
    # counted over the whole city whatever the plans chose, even what the city's plan does not follow
    assert "Cán bộ, công chức, người lao động của phường, xã0% 0/1 · không có trong kế hoạch" in figures


def test_the_city_drills_down_to_a_unit_a_school_and_a_class(signed_in, world):
    city = signed_in("thanhpho")
    html = city.get(f"/dashboard/?as_of={AS_OF}").get_data(as_text=True)
    unit_link = re.search(rf'href="(/dashboard/units/{world.commune.id}\?as_of={AS_OF})"', html).group(1)
    unit = city.get(unit_link)
    assert unit.status_code == 200
    unit_html = unit.get_data(as_text=True)
    assert "<h1>Xã An Lão</h1>" in unit_html and "Kế hoạch xã năm 2026" in unit_html
    assert f'href="/dashboard/?as_of={AS_OF}"' in unit_html  # back up to the city
    assert world.a.name not in unit_html  # only the commune's schools
    school_link = re.search(rf'href="(/dashboard/schools/{world.c.id}\?as_of={AS_OF})"',
                            unit_html).group(1)
    school = city.get(school_link)
    assert school.status_code == 200
    school_html = school.get_data(as_text=True)
    assert world.c.name in school_html
    assert f'href="/dashboard/units/{world.commune.id}?as_of={AS_OF}"' in school_html
    class_link = f"/teach/classes/{world.room_c.id}"
    assert f'href="{class_link}"' in school_html
    room = city.get(class_link)
    assert room.status_code == 200 and "4C" in page_text(room.get_data(as_text=True))
    # The ward's page shows its plan's own indicators: primary tracked, no percentage target.
    ward = page_text(city.get(f"/dashboard/units/{world.ward.id}?as_of={AS_OF}").get_data(as_text=True))
    assert "Học sinh Tiểu học100% 2/2 · theo dõi, không đặt chỉ tiêu" in ward
    assert "Hoạt động tuyên truyền tại các trường100% 1/1 trường · chỉ tiêu 100% số trường" in ward


def test_a_unit_admin_sees_only_their_own_unit(signed_in, world):
    ward = signed_in("phuong")
    html = ward.get(f"/dashboard/?as_of={AS_OF}").get_data(as_text=True)
    assert "<h1>Phường Mẫu</h1>" in html
    assert "Xã An Lão" not in html and world.c.name not in html
    assert ward.get(f"/dashboard/units/{world.ward.id}").status_code == 200
    for url in (f"/dashboard/units/{world.commune.id}", f"/dashboard/schools/{world.c.id}",
                f"/dashboard/report.csv?unit={world.commune.id}", "/dashboard/report.csv?city=1",
                f"/dashboard/report.json?school={world.c.code}",
                f"/dashboard/competencies?unit={world.commune.id}", f"/teach/classes/{world.room_c.id}"):
        assert ward.get(url).status_code == 403, url
    assert ward.get(f"/dashboard/units/{world.city.id}").status_code == 404  # the city is no unit page
    assert ward.get("/dashboard/units/999999").status_code == 404
    # and the commune's admin the same way round
    commune = signed_in("xa")
    assert "<h1>Xã An Lão</h1>" in commune.get("/dashboard/").get_data(as_text=True)
    assert commune.get(f"/dashboard/units/{world.ward.id}").status_code == 403


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_downloads_equal_the_report_command_for_each_scope(signed_in, world, fmt):
    as_of = date.fromisoformat(AS_OF)
    city, ward = signed_in("thanhpho"), signed_in("phuong")
    cases = [
        (city, "city=1", {"city": True}),
        (city, "", {"city": True}),  # the city admin's own scope
        (city, f"unit={world.commune.id}", {"unit_id": world.commune.id}),
        (city, f"unit={world.ward.id}", {"unit_id": world.ward.id}),
        (city, f"school={world.c.code}", {"school_code": world.c.code}),
        (ward, "", {"unit_id": world.ward.id}),  # the unit admin's own unit
        (ward, f"unit={world.ward.id}", {"unit_id": world.ward.id}),
    ]
    for browser, query, scope in cases:
        response = browser.get(f"/dashboard/report.{fmt}?as_of={AS_OF}&{query}")
        assert response.status_code == 200, query
        data, name = report.build(db.session, fmt, as_of=as_of, **scope)
        assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"', query
        if fmt == "xlsx":  # the same sheets and cells (the file's own timestamps aside)
            assert sheets(response.get_data()) == sheets(data), query
        else:
            assert response.get_data() == data, query
    assert city.get(f"/dashboard/report.{fmt}?unit={world.city.id}").status_code == 404


def sheets(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data))
    return {s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in book.worksheets}


def test_the_pages_of_a_large_city_stay_light(signed_in, world, factory, client):
    """Hải Phòng has over a hundred wards and communes, a ward some dozens of schools: the city's
    page shows the units a page at a time, a unit's page its schools, every indicator followed
    over a whole year, each page under the page-weight limit."""
    from test_page_weight import LIMIT, css_bytes

    for n in range(30):
        unit = Unit(code=f"X-{n:02d}", name=f"Xã Thủy Nguyên Số {n:02d}", kind="commune",
                    parent_id=world.city.id)
        db.session.add(unit)
        db.session.flush()
        for k in range(45 if n == 0 else 1):  # the first commune: 45 schools
            school = School(unit_id=unit.id, code=f"TH-{n:02d}-{k:02d}", level="tieu-hoc",
                            name=f"Trường Tiểu học Thủy Nguyên Số {n:02d}-{k:02d}")
            db.session.add(school)
            db.session.flush()
            ensure_household(db.session, factory.pupil(factory.classroom(school, grade=3), password=None))
            factory.user("teacher", school=school, password=None).staff_role = "teacher"
        factory.user("official", tier="official", password=None).unit_id = unit.id
        db.session.add(plan(unit, f"Kế hoạch thực hiện phong trào năm 2026 số {n:02d}", date(2026, 1, 1),
                            date(2026, 12, 31), primary=100, lower_secondary=100, teachers=80,
                            managers_teachers=100, officials=90, parents=80, households=70,
                            activities=100))
        if n == 0:
            big = unit
    db.session.commit()
    city = signed_in("thanhpho")
    first = city.get(f"/dashboard/?as_of={AS_OF}").get_data(as_text=True)
    assert re.findall(r'href="/dashboard/\?page=(\d+)', first) == ["2"]
    second = city.get(f"/dashboard/?page=2&as_of={AS_OF}").get_data(as_text=True)
    shown = [unit_id for html in (first, second) for unit_id, _cells in unit_rows(html)]
    assert len(shown) == len(set(shown)) == 32  # every unit once, over the two pages
    assert "0%100%" in unit_rows(first)[0][1]  # figures in the cells, not only dashes
    unit_page = city.get(f"/dashboard/units/{big.id}?as_of={AS_OF}").get_data(as_text=True)
    assert re.findall(rf'href="/dashboard/units/{big.id}\?page=(\d+)', unit_page) == ["2", "3"]
    for html in (first, second, unit_page):
        assert len(html.encode()) + css_bytes(client) < LIMIT
