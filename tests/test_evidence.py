"""Evidence for the models (issue 18): the figures of the schools, classes, teachers and
households of a ward on a small hand-built fixture, read over HTTP; sorting by a column; the
XLSX export (names typed by people stay text); nominees marked and unmarked; who may see what.

The plan runs from 30 days before today to 30 days after (default targets: pupils 100%, staff
80%, parents 80%, households 70%); "day n" is n days after its start, noon in Vietnam.
"""

import io
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from conftest import page_text
from openpyxl import load_workbook
from sqlalchemy import func, select
from test_metrics import course_id, make_campaign, sync, write_course

from lms.campaign import summary
from lms.extensions import db
from lms.models import Completion, ListedHousehold, Nomination, OutreachActivity, School, Unit, Village
from lms.models.base import today_in_vietnam
from lms.people.households import link_guardian

TODAY = today_in_vietnam()
START = TODAY - timedelta(days=30)


def day(n: int) -> datetime:
    """Noon in Vietnam on day n of the plan, as stored (naive UTC)."""
    return datetime.combine(START + timedelta(days=n), time(12)) - timedelta(hours=7)


def complete(user, slug, n, by=None):
    db.session.add(Completion(user_id=user.id, course_id=course_id(slug), completed_at=day(n), score=100.0,
                              assisted_by_id=by.id if by else None))
    db.session.flush()
    summary.refresh_user(db.session, user.id)


@pytest.fixture
def ward(app, courses, factory, tmp_path):
    """School A: 3A (tA; p1 day 2, p2 day 5), 7A (tA2; p3 day 3, p4 never), principal qt.a.
    School B ("=Trường B", a name typed to look like a formula): 4B (tB; p5 day 1), tB covered
    day 4, p5's guardian g5 day 6. p3 assisted their guardian g3 and the resident r1 on day 7;
    tA assisted the resident r2 on day 8. Village V1: H1 = p5's family (g5) + r1; H2 = r2 + r3
    (never); H3 nobody known. Another commune X with its school C and its admin."""
    extra = tmp_path / "extra"
    write_course(extra, "ls-course", "[lower-secondary]")
    sync(extra)
    f = factory
    city = Unit(code="HP", name="Thành phố", kind="city")
    db.session.add(city)
    db.session.flush()
    unit = f.unit()
    unit.parent_id = city.id
    other = Unit(code="X", name="Xã Khác", kind="commune", parent_id=city.id)
    db.session.add(other)
    db.session.flush()
    a = f.school(code="A", name="Trường A")
    b = f.school(code="B", name="=Trường B")
    c = School(unit_id=other.id, code="C", name="Trường C", level="tieu-hoc")
    db.session.add(c)
    db.session.flush()
    w = SimpleNamespace(unit=unit, other=other, a=a, b=b, c=c)
    w.tA = f.user("teacher", username="gv.a", school=a, name="Nguyễn Văn Giáo")
    w.tA2 = f.user("teacher", username="gv.a2", school=a, name="Trần Thị Hai")
    w.tB = f.user("teacher", username="gv.b", school=b, name="Lê Văn Ba")
    w.principal = f.user("school_admin", username="qt.a", school=a, name="Phạm Hiệu Trưởng")
    w.admin = f.user("ward_admin", username="phuong")
    w.admin.unit_id = unit.id
    w.admin_x = f.user("ward_admin", username="xa")
    w.admin_x.unit_id = other.id
    w.city_admin = f.user("city_admin", username="thanhpho")
    w.city_admin.unit_id = city.id
    w.r3a = f.classroom(a, name="3A", grade=3, teacher=w.tA)
    w.r7a = f.classroom(a, name="7A", grade=7, teacher=w.tA2)
    w.r4b = f.classroom(b, name="4B", grade=4, teacher=w.tB)
    w.r3c = f.classroom(c, name="3C", grade=3)
    w.p1, w.p2 = f.pupil(w.r3a, username="hs.1"), f.pupil(w.r3a)
    w.p3, w.p4 = f.pupil(w.r7a, username="hs.3"), f.pupil(w.r7a)
    w.p5 = f.pupil(w.r4b)
    f.pupil(w.r3c)
    w.g3 = f.user("parent", username="ph.3", phone="0912000003")
    w.g5 = f.user("parent", phone="0912000005")
    link_guardian(db.session, w.g3, w.p3)
    link_guardian(db.session, w.g5, w.p5)
    village = Village(unit_id=unit.id, code="V1", name="Thôn Một")
    db.session.add(village)
    db.session.flush()
    w.h1 = ListedHousehold(village_id=village.id, code="H1", head_name="+Hộ Một", phones="0912000005",
                           household_id=w.g5.household_id)
    w.h2 = ListedHousehold(village_id=village.id, code="H2", head_name="Hộ Hai")
    w.h3 = ListedHousehold(village_id=village.id, code="H3", head_name="Hộ Ba")
    db.session.add_all([w.h1, w.h2, w.h3])
    db.session.flush()
    w.r1, w.r2, w.r3 = (f.user("parent", password=None) for _ in range(3))
    w.r1.listed_household_id = w.h1.id
    w.r2.listed_household_id = w.r3.listed_household_id = w.h2.id
    w.campaign = make_campaign(f, start=START, end=TODAY + timedelta(days=30))
    complete(w.p1, "quiz-course", 2)
    complete(w.p2, "quiz-course", 5)
    complete(w.p3, "ls-course", 3)
    complete(w.p5, "quiz-course", 1)
    complete(w.tA, "teacher-course", 3)
    complete(w.tB, "teacher-course", 4)
    complete(w.g5, "quiz-course", 6)
    complete(w.g3, "quiz-course", 7, by=w.p3)
    complete(w.r1, "quiz-course", 7, by=w.p3)
    complete(w.r2, "quiz-course", 8, by=w.tA)
    for n, kind in ((-3, "digital-day"), (10, "digital-day"), (12, "training")):
        db.session.add(OutreachActivity(school_id=a.id, held_on=START + timedelta(days=n), title="Ngày hội",
                                        kind=kind, created_by_id=w.admin.id))
    f.commit()
    return w


def url(w, table, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/dashboard/units/{w.unit.id}/evidence/{table}" + (f"?{query}" if query else "")


def signed_in(make_browser, login):
    browser = make_browser()
    assert browser.login(login).status_code == 302
    return browser


def rows_of(text: str, names: list[str]) -> list[str]:
    """The names in the order the page shows them."""
    return sorted(names, key=text.index)


def sheet(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data)).active


def by_first_cell(ws, start_row=3) -> dict:
    return {row[0].value: row for row in ws.iter_rows(min_row=start_row)}


# --- the figures -----------------------------------------------------------------------------------


def test_schools_coverage_how_early_help_activities_and_assisted(ward, make_browser):
    browser = signed_in(make_browser, "phuong")
    ws = sheet(browser.get(url(ward, "schools") + ".xlsx"))
    header = [c.value for c in ws[2]]
    assert header[:4] == ["Mã", "Trường", "Học sinh Tiểu học (chỉ tiêu 100%)",
                          "Học sinh THCS (chỉ tiêu 100%)"]
    rows = {row[1].value: [c.value for c in row] for row in ws.iter_rows(min_row=3)}
    a, b = rows["Trường A"], rows["'=Trường B"]
    # primary, lower secondary, staff (tA of tA, tA2, qt.a), parents (g3 and one expected per
    # family without a guardian: p1, p2, p4), households
    assert a[2:7] == [1.0, 0.5, pytest.approx(1 / 3, abs=0.001), 0.25, 0.25]
    assert a[7:] == [None, None, 2, 2, 3, None]  # not reached; g3 and r1 helped; 2 activities; 3 assisted
    assert b[2:7] == [1.0, None, 1.0, 1.0, 1.0]  # no lower-secondary pupils
    assert b[7].date() == (START + timedelta(days=6)) and b[8:] == [6, 0, 0, 0, None]

    text = page_text(browser.get(url(ward, "schools")).get_data(as_text=True))
    assert "Trường A 100% 2/2 50% 1/2 33,3% 1/3 25% 1/4 25% 1/4 — 2 2 3" in text
    assert "=Trường B 100% 1/1 — 100% 1/1 100% 1/1 100% 1/1 6 0 0 0" in text


def test_classes_and_teachers(ward, make_browser):
    browser = signed_in(make_browser, "phuong")
    text = page_text(browser.get(url(ward, "classes")).get_data(as_text=True))
    assert "3A Trường A Nguyễn Văn Giáo 100% 2/2 5 0 0" in text
    assert "7A Trường A Trần Thị Hai 50% 1/2 — 2 2" in text
    assert "4B =Trường B Lê Văn Ba 100% 1/1 1 0 0" in text
    assert "3C" not in text  # another commune's

    ws = sheet(browser.get(url(ward, "teachers") + ".xlsx"))
    rows = {row[0].value: [c.value for c in row] for row in ws.iter_rows(min_row=3)}
    assert set(rows) == {"Nguyễn Văn Giáo", "Trần Thị Hai", "Lê Văn Ba", "Phạm Hiệu Trưởng"}
    giao = rows["Nguyễn Văn Giáo"]
    assert giao[2].date() == START + timedelta(days=3)
    assert giao[3:] == [3, 1.0, 0, 1, None]  # day 3; 3A 2/2; no help by 3A; assisted r2
    assert rows["Trần Thị Hai"][2:] == [None, None, 0.5, 2, 0, None]  # 7A helped g3 and r1
    assert rows["Lê Văn Ba"][3:5] == [4, 1.0]
    assert rows["Phạm Hiệu Trưởng"][2:] == [None, None, None, 0, 0, None]


def test_households_every_known_member_covered(ward, make_browser):
    browser = signed_in(make_browser, "phuong")
    text = page_text(browser.get(url(ward, "households")).get_data(as_text=True))
    assert "Thôn Một 3 2 1 (33,3%)" in text  # listed, with a member known, digital families
    ws = sheet(browser.get(url(ward, "households") + ".xlsx"))
    rows = {row[1].value: [c.value for c in row] for row in ws.iter_rows(min_row=3)}
    # H1: g5 (day 6) and r1 (day 7); H2: r2 covered, r3 not; H3: nobody known
    assert rows["H1"][3:6] == [2, 2, "có"] and rows["H1"][6].date() == START + timedelta(days=7)
    assert rows["H1"][7] == 7
    assert rows["H2"][3:] == [2, 1, "không", None, None, None]
    assert rows["H3"][3:] == [0, 0, "không", None, None, None]


def test_figures_follow_new_completions(ward, make_browser):
    """p4 completes today: 7A and school A's lower secondary reach 100% (day 30)."""
    complete(ward.p4, "ls-course", 30)
    db.session.commit()
    browser = signed_in(make_browser, "phuong")
    text = page_text(browser.get(url(ward, "classes")).get_data(as_text=True))
    assert "7A Trường A Trần Thị Hai 100% 2/2 30 2 2" in text


# --- sorting, export ---------------------------------------------------------------------------------


def test_sorted_by_a_column_either_way_with_blanks_last(ward, make_browser):
    browser = signed_in(make_browser, "phuong")

    def order(table, sort, names):
        response = browser.get(url(ward, table, sort=sort))
        assert response.status_code == 200
        return rows_of(page_text(response.get_data(as_text=True)).split("Tải về (Excel)")[-1], names)

    schools = ["Trường A", "=Trường B"]
    assert order("schools", "name", schools) == ["=Trường B", "Trường A"]
    assert order("schools", "-helped", schools) == ["Trường A", "=Trường B"]
    assert order("schools", "helped", schools) == ["=Trường B", "Trường A"]
    assert order("schools", "days", schools) == ["=Trường B", "Trường A"]
    assert order("schools", "-days", schools) == ["=Trường B", "Trường A"]  # not reached: last
    classes = ["3A", "7A", "4B"]
    assert order("classes", "days", classes) == ["4B", "3A", "7A"]
    # ties keep the first column's order: "=Trường B" comes before "Trường A"
    assert order("classes", "-coverage", classes) == ["4B", "3A", "7A"]
    assert order("classes", "coverage", classes) == ["7A", "4B", "3A"]
    assert order("classes", "nonsense", classes) == ["4B", "3A", "7A"]  # the first column
    teachers = ["Nguyễn Văn Giáo", "Trần Thị Hai", "Lê Văn Ba"]
    assert order("teachers", "covered", teachers) == ["Nguyễn Văn Giáo", "Lê Văn Ba", "Trần Thị Hai"]
    assert order("teachers", "-helped", teachers)[0] == "Trần Thị Hai"
    # the export follows the same order
    ws = sheet(browser.get(f"/dashboard/units/{ward.unit.id}/evidence/classes.xlsx?sort=days"))
    assert [row[0].value for row in ws.iter_rows(min_row=3)] == ["4B", "3A", "7A"]


def test_sort_links_in_the_headings(ward, make_browser):
    browser = signed_in(make_browser, "phuong")
    html = browser.get(url(ward, "classes", sort="-coverage")).get_data(as_text=True)
    assert "sort=coverage" in html  # a second click: ascending
    assert "sort=-helped" in html  # numbers: most first
    assert "sort=days" in html  # days: earliest first


def test_names_typed_by_people_are_text_cells(ward, make_browser):
    browser = signed_in(make_browser, "phuong")
    ws = sheet(browser.get(url(ward, "schools") + ".xlsx"))
    cell = by_first_cell(ws)["B"][1]
    assert (cell.value, cell.data_type) == ("'=Trường B", "s")
    ws = sheet(browser.get(url(ward, "households") + ".xlsx"))
    head = {row[1].value: row[2] for row in ws.iter_rows(min_row=3)}["H1"]
    assert (head.value, head.data_type) == ("'+Hộ Một", "s")
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


# --- nominees ------------------------------------------------------------------------------------------


def nominations() -> list[tuple]:
    return db.session.execute(select(Nomination.model, Nomination.year, Nomination.subject_kind,
                                     Nomination.subject_id, Nomination.marked_by_id)).all()


def test_the_unit_admin_marks_and_unmarks_a_nominee(ward, make_browser):
    browser = signed_in(make_browser, "phuong")
    year = TODAY.year
    form = {"model": "school", "year": str(year), "subject": str(ward.b.id), "table": "schools",
            "sort": "-helped", "page": "1"}
    response = browser.post(f"/dashboard/units/{ward.unit.id}/nominations", form)
    assert response.status_code == 302
    assert response.location == url(ward, "schools", sort="-helped", page=1, year=year)
    assert browser.post(f"/dashboard/units/{ward.unit.id}/nominations", form).status_code == 302  # again
    assert nominations() == [("school", year, "school", ward.b.id, ward.admin.id)]
    text = page_text(browser.get(url(ward, "schools")).get_data(as_text=True))
    assert f"Trường học chuyển đổi số điển hình {year}" in text
    assert "=Trường B do" in text
    # another year has its own list
    later = browser.get(url(ward, "schools", year=year + 1)).get_data(as_text=True)
    assert "Chưa đề cử ai" in page_text(later)
    ws = sheet(browser.get(url(ward, "schools") + ".xlsx"))
    assert by_first_cell(ws)["B"][-1].value == "có" and by_first_cell(ws)["A"][-1].value is None

    nomination = db.session.scalar(select(Nomination.id))
    response = browser.post(f"/dashboard/nominations/{nomination}/remove", {"table": "schools"})
    assert response.status_code == 302 and response.location == url(ward, "schools")
    assert nominations() == []


def test_nominees_of_each_model(ward, make_browser):
    browser = signed_in(make_browser, "phuong")
    for model, subject, table in (("class", ward.r7a.id, "classes"), ("teacher", ward.tA.id, "teachers"),
                                  ("household", ward.h1.id, "households")):
        form = {"model": model, "year": "2026", "subject": str(subject), "table": table}
        assert browser.post(f"/dashboard/units/{ward.unit.id}/nominations", form).status_code == 302
    assert "7A · Trường A" in page_text(browser.get(url(ward, "classes", year=2026)).get_data(as_text=True))
    assert "H1 · +Hộ Một" in page_text(browser.get(url(ward, "households", year=2026)).get_data(as_text=True))
    assert len(nominations()) == 3


def test_nominees_refused(ward, make_browser):
    admin = signed_in(make_browser, "phuong")
    mark = f"/dashboard/units/{ward.unit.id}/nominations"
    form = {"model": "school", "year": "2026", "subject": str(ward.b.id)}
    # a subject of another commune, or of another model's kind, or none at all
    assert admin.post(mark, {**form, "subject": str(ward.c.id)}).status_code == 404
    assert admin.post(mark, {**form, "model": "teacher", "subject": str(ward.g3.id)}).status_code == 404
    assert admin.post(mark, {**form, "model": "class", "subject": str(ward.r3c.id)}).status_code == 404
    assert admin.post(mark, {**form, "model": "citizen"}).status_code == 400
    assert admin.post(mark, {**form, "csrf_token": ""}).status_code == 400
    assert admin.post(f"/dashboard/units/{ward.other.id}/nominations",
                      {**form, "subject": str(ward.c.id)}).status_code == 403
    assert nominations() == []
    assert admin.post(mark, form).status_code == 302
    nomination = db.session.scalar(select(Nomination.id))
    for login in ("xa", "thanhpho", "qt.a", "gv.a", "ph.3", "hs.1"):
        other = signed_in(make_browser, login)
        assert other.post(mark, form).status_code == 403, login
        assert other.post(f"/dashboard/nominations/{nomination}/remove").status_code == 403, login
    assert admin.post("/dashboard/nominations/999999/remove").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Nomination)) == 1


# --- who may see what --------------------------------------------------------------------------------


@pytest.mark.parametrize("table", ["schools", "classes", "teachers", "households"])
def test_access_to_each_table(ward, make_browser, client, table):
    assert client.get(url(ward, table)).status_code == 302  # anonymous: sign in
    for login in ("gv.a", "ph.3", "hs.1", "xa"):
        browser = signed_in(make_browser, login)
        assert browser.get(url(ward, table)).status_code == 403, login
        assert browser.get(url(ward, table) + ".xlsx").status_code == 403, login
    for login in ("phuong", "thanhpho"):
        browser = signed_in(make_browser, login)
        assert browser.get(url(ward, table)).status_code == 200, login
        assert browser.get(url(ward, table) + ".xlsx").status_code == 200, login
    principal = signed_in(make_browser, "qt.a")
    expected = 200 if table in ("classes", "teachers") else 403
    assert principal.get(url(ward, table)).status_code == expected
    assert principal.get(url(ward, table) + ".xlsx").status_code == expected
    assert principal.get(f"/dashboard/units/{ward.other.id}/evidence/{table}").status_code == 403
    admin = signed_in(make_browser, "phuong")
    assert admin.get(f"/dashboard/units/999999/evidence/{table}").status_code == 404


def test_the_city_admin_reads_without_marking(ward, make_browser):
    browser = signed_in(make_browser, "thanhpho")
    html = browser.get(f"/dashboard/units/{ward.other.id}/evidence/schools")
    assert html.status_code == 404  # the other commune has no plan
    text = page_text(browser.get(url(ward, "schools")).get_data(as_text=True))
    assert "Trường A" in text and "Đề cử" in text
    assert "mark_nominee" not in text and "/nominations" not in browser.get(url(ward, "schools")).get_data(
        as_text=True)


def test_the_principal_sees_their_own_school_only(ward, make_browser):
    browser = signed_in(make_browser, "qt.a")
    html = browser.get(url(ward, "classes")).get_data(as_text=True)
    text = page_text(html)
    assert "3A" in text and "7A" in text and "4B" not in text
    assert "/nominations" not in html  # read-only
    text = page_text(browser.get(url(ward, "teachers")).get_data(as_text=True))
    assert "Nguyễn Văn Giáo" in text and "Lê Văn Ba" not in text
    ws = sheet(browser.get(url(ward, "teachers") + ".xlsx"))
    assert {row[0].value for row in ws.iter_rows(min_row=3)} == {"Nguyễn Văn Giáo", "Trần Thị Hai",
                                                                 "Phạm Hiệu Trưởng"}
    # their school's page links to it
    school_page = browser.get(f"/dashboard/schools/{ward.a.id}").get_data(as_text=True)
    assert f"/dashboard/units/{ward.unit.id}/evidence/classes" in school_page


def test_views_and_exports_naming_people_are_logged(ward, make_browser):
    from lms.models import AccessLog

    browser = signed_in(make_browser, "phuong")
    browser.get(url(ward, "schools"))
    browser.get(url(ward, "teachers"))
    browser.get(url(ward, "households") + ".xlsx")
    actions = db.session.execute(select(AccessLog.action, AccessLog.unit_id).order_by(AccessLog.id)).all()
    assert actions == [("evidence.view", ward.unit.id)] * 2 + [("evidence.export", ward.unit.id)]


def test_pages_fit_a_phone_and_the_weight_limit(ward, make_browser, factory):
    """25 rows a page, each with its nominate button, under 30 KB with the stylesheet."""
    for n in range(40):
        factory.user("teacher", school=ward.a, name=f"Nguyễn Thị Phương Thảo Số {n}")
    factory.commit()
    browser = signed_in(make_browser, "phuong")
    with browser.client.get("/static/style.css") as response:
        css = len(response.get_data())
    for page in (1, 2):
        response = browser.get(url(ward, "teachers", page=page))
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and '<meta name="viewport"' in html
        assert len(response.data) + css < 30 * 1024
    assert page_text(html).count("Đề cử") >= 1
