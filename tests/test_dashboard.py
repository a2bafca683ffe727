"""The campaign dashboards over HTTP: figures, chart, drill-down, targets, activities, the
report downloads, and who may see what."""

import csv
import io
import re
from datetime import date, datetime, timedelta

import pytest
from conftest import page_text
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.campaign import metrics, summary
from lms.extensions import db
from lms.models import (
    GROUPS,
    Campaign,
    CampaignTarget,
    Completion,
    Course,
    OutreachActivity,
    TargetChange,
)
from lms.models.base import today_in_vietnam
from lms.models.campaign import DEFAULT_TARGETS
from lms.people.households import ensure_household, link_guardian

# ActivityForm (lms/campaign/forms.py) passes its SelectField choices as tuples, which WTForms
# deprecates; every school page builds that form. The same filter is in test_access.py.

START, END = date(2026, 10, 1), date(2026, 11, 29)
AS_OF = "2026-10-30"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def local(month, day, hour=12):
    return datetime(2026, month, day, hour) - timedelta(hours=7)


def complete(user, slug, at):
    course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
    db.session.add(Completion(user_id=user.id, course_id=course_id, completed_at=at, score=100.0))
    db.session.flush()
    summary.refresh_user(db.session, user.id)


class World:
    """School A (primary, class 3A): pupils a1 (covered 05/10, guardian g1 covered 06/10) and a2
    (no guardian), teacher tA (covered 03/10) and the principal. School B (lower secondary,
    class 7A): pupils b1, b2 without guardians, teacher tB. Nobody has signed in but the staff."""


@pytest.fixture
def world(app, courses, factory):
    w = World()
    f = factory
    w.a = f.school(code="THHB", name="Trường Tiểu học Hòa Bình", level="tieu-hoc")
    w.b = f.school(code="THCSYB", name="Trường THCS Yên Bình", level="thcs")
    w.room_a = f.classroom(w.a, name="3A", grade=3)
    w.room_b = f.classroom(w.b, name="7A", grade=7)
    w.a1, w.a2 = f.pupil(w.room_a, username="hs.a1"), f.pupil(w.room_a, password=None)
    w.b1, w.b2 = f.pupil(w.room_b, password=None), f.pupil(w.room_b, password=None)
    w.ta = f.user("teacher", username="gv.a", school=w.a)
    w.principal = f.user("school_admin", username="hieutruong.a", school=w.a)
    w.tb = f.user("teacher", username="gv.b", school=w.b)
    w.g1 = f.user("parent", username="ph.a1")
    w.admin = f.user("ward_admin", username="phuong")
    for pupil in (w.a1, w.a2, w.b1, w.b2):
        ensure_household(db.session, pupil)
    link_guardian(db.session, w.g1, w.a1)
    complete(w.a1, "quiz-course", local(10, 5))
    complete(w.g1, "quiz-course", local(10, 6))
    complete(w.ta, "teacher-course", local(10, 3))
    w.campaign = Campaign(unit_id=f.unit().id, name="Bình dân học vụ số 2026",
                          starts_on=START, ends_on=END,
                          targets=[CampaignTarget(group=g, percent=p) for g, p in DEFAULT_TARGETS.items()])
    db.session.add(w.campaign)
    f.commit()
    return w


@pytest.fixture
def admin(world, browser):
    assert browser.login("phuong").status_code == 302
    return browser


def ward_json(world, as_of=AS_OF, code=None):
    return metrics.ward_report(db.session, world.campaign, date.fromisoformat(as_of),
                               code).as_dict()


def kpis(html):
    """The summary's figures as text: [(percent, "covered/population")] in group order."""
    block = re.search(r'<ul class="kpis">(.*?)</ul>', html, re.S).group(1)
    return re.findall(r"<b>([\d,]+)%</b>\s*<small>([\d.]+/[\d.]+)", block)


# --- the ward admin's dashboard ---------------------------------------------------------------

def test_ward_dashboard_shows_chart_and_figures_as_text(admin, world):
    response = admin.get(f"/dashboard/?as_of={AS_OF}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    svg = re.search(r"<svg\b[^>]*>(.*?)</svg>", html, re.S)
    assert svg and 'role="img"' in svg.group(0)
    assert len(re.findall(r'<polyline points="[\d., ]+"', svg.group(1))) == len(GROUPS)
    # primary 1/2, lower secondary 0/2, staff 1/3, parents 1/4 (g1 + 3 expected), households 1/4
    assert kpis(html) == [("50", "1/2"), ("0", "0/2"), ("33,3", "1/3"), ("25", "1/4"),
                          ("25", "1/4")]
    assert "30/10/2026" in html and "01/10/2026" in html
    for school in (world.a, world.b):
        assert f'href="/dashboard/schools/{school.id}?as_of={AS_OF}"' in html
        assert school.name in html
    assert "Toàn phường/xã" in html
    # the week-by-week table under the chart: 5 weeks, the last one ending on the as-of day
    assert html.count("<td>30/10/2026</td>") == 1 and "<td>07/10/2026</td>" in html


def test_the_trend_chart_is_readable_on_a_phone(admin, world):
    """Labels of 12 units or more (the SVG is drawn 320 units wide and shown about 328 px wide
    at 360 px), and dates under the time axis: the first, middle and last weeks."""
    html = admin.get(f"/dashboard/?as_of={AS_OF}").get_data(as_text=True)
    svg = re.search(r"<svg\b[^>]*>(.*?)</svg>", html, re.S).group(0)
    assert re.search(r'viewBox="0 0 320 \d+"', svg)
    texts = re.findall(r"<text\b([^>]*)>(.*?)</text>", svg)
    assert texts and all(float(re.search(r'font-size="([\d.]+)"', a).group(1)) >= 12
                         for a, _label in texts)
    weeks = re.findall(r"<tr><td>(\d\d)/(\d\d)/2026</td>", html)  # the table under the chart
    dates = [label for _a, label in texts if re.fullmatch(r"\d\d/\d\d", label)]
    assert dates == ["/".join(weeks[0]), "/".join(weeks[len(weeks) // 2]), "30/10"]
    assert len(weeks) == 5
    # "Toàn phường/xã" is never cut inside a word in the narrow table.
    assert re.search(r'<th scope="row" class="nowrap">Toàn phường/xã</th>', html)


def test_as_of_changes_the_figures(admin, world):
    before = admin.get("/dashboard/?as_of=2026-10-04").get_data(as_text=True)
    assert kpis(before) == [("0", "0/2"), ("0", "0/2"), ("33,3", "1/3"), ("0", "0/4"),
                            ("0", "0/4")]
    early = admin.get("/dashboard/report.json?as_of=2026-10-04").get_json()
    late = admin.get(f"/dashboard/report.json?as_of={AS_OF}").get_json()
    assert (early["groups"]["primary"]["covered"], late["groups"]["primary"]["covered"]) == (0, 1)
    assert (early["as_of"], late["as_of"]) == ("2026-10-04", AS_OF)


def test_default_as_of_is_today_within_the_period(admin, world):
    data = admin.get("/dashboard/report.json").get_json()
    assert data["as_of"] == min(today_in_vietnam(), END).isoformat()
    assert admin.get("/dashboard/").status_code == 200


def test_a_bad_as_of_date_is_a_friendly_400(admin, world):
    for url in ("/dashboard/?as_of=2026-13-01", "/dashboard/?as_of=hôm-nay",
                f"/dashboard/schools/{world.a.id}?as_of=2026-02-30",
                "/dashboard/report.json?as_of=30/10/2026", "/dashboard/report.xlsx?as_of=x"):
        response = admin.get(url)
        assert response.status_code == 400, url
        html = response.get_data(as_text=True)
        assert response.mimetype == "text/html"
        assert "Yêu cầu không hợp lệ" in html and "Traceback" not in html


def test_school_page_and_class_drill_down(admin, world):
    ward = admin.get(f"/dashboard/?as_of={AS_OF}").get_data(as_text=True)
    link = re.search(rf'href="(/dashboard/schools/{world.a.id}\?as_of=[\d-]+)"', ward).group(1)
    html = admin.get(link).get_data(as_text=True)
    assert world.a.name in html
    # A primary school has no lower-secondary pupils: "—", no target, no line on the chart.
    assert kpis(html) == [("50", "1/2"), ("50", "1/2"), ("50", "1/2"), ("50", "1/2")]
    empty = re.search(r'<li class="kpi st-none"><span>(.*?)</span><b>(.*?)</b>\s*<small>(.*?)'
                      r'</small>', html, re.S)
    assert empty.groups() == ("Học sinh THCS", "—", "Không có ai trong nhóm này")
    assert re.search(r"<svg\b[^>]*role=\"img\"", html)
    assert len(re.findall(r"<polyline ", html)) == len(GROUPS) - 1
    assert "Học sinh THCS:" not in html  # the chart's legend
    class_link = f'href="/teach/classes/{world.room_a.id}"'
    assert class_link in html
    row = re.search(rf'{class_link}>3A</a></th>(.*?)</tr>', html, re.S).group(1)
    assert "<b>50%</b>" in row and "1/2" in row
    assert f"/teach/classes/{world.room_b.id}" not in html
    room = admin.get(f"/teach/classes/{world.room_a.id}")
    assert room.status_code == 200 and "3A" in room.get_data(as_text=True)
    # the school page's download is that school's report
    download = re.search(r'href="(/dashboard/report\.xlsx\?[^"]+)"', html).group(1)
    book = load_workbook(io.BytesIO(admin.get(download.replace("&amp;", "&")).get_data()))
    names = [r[1] for r in book.worksheets[0].iter_rows(min_row=6, values_only=True)]
    assert names == ["Trường Tiểu học Hòa Bình", "Toàn phường/xã"]


def plan_form(campaign, **percents):
    """The plan form (lms/campaign/plans.py, more in test_plans.py) following the five groups."""
    return {"name": campaign.name, "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            **{f"{g}-follow": "y" for g in GROUPS},
            **{f"{g}-percent": str(p) for g, p in percents.items()}}


def test_changing_targets_records_who_and_from_what(admin, world):
    url = f"/dashboard/plans/{world.campaign.id}"
    page = admin.get(url).get_data(as_text=True)
    assert 'name="households-percent" type="number" value="70"' in page
    # out of range: nothing changes
    assert admin.post(url, plan_form(world.campaign, primary=120, lower_secondary=100,
                                     teachers=80, parents=80, households=70)).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(TargetChange)) == 0
    assert world.campaign.target("primary") == 100
    new = {"primary": "90", "lower_secondary": "100", "teachers": "75", "parents": "80",
           "households": "65"}
    response = admin.post(url, plan_form(world.campaign, **new))
    assert response.status_code == 302 and response.location == "/dashboard/"
    db.session.expire_all()
    campaign = db.session.get(Campaign, world.campaign.id)
    assert {g: campaign.target(g) for g in GROUPS} == {g: int(v) for g, v in new.items()}
    stored = dict(db.session.execute(select(CampaignTarget.group, CampaignTarget.percent)
                                     .where(CampaignTarget.campaign_id == campaign.id)).all())
    assert stored == {**DEFAULT_TARGETS, "primary": 90, "teachers": 75, "households": 65}
    changes = db.session.scalars(select(TargetChange).order_by(TargetChange.group)).all()
    assert [(c.group, c.old_percent, c.new_percent, c.changed_by_id, c.campaign_id)
            for c in changes] == [("households", 70, 65, world.admin.id, campaign.id),
                                  ("primary", 100, 90, world.admin.id, campaign.id),
                                  ("teachers", 80, 75, world.admin.id, campaign.id)]
    assert "Đã lưu chỉ tiêu." in admin.get(f"/dashboard/?as_of={AS_OF}").get_data(as_text=True)
    plan = page_text(admin.get("/dashboard/plan").get_data(as_text=True))
    for text in ("Học sinh Tiểu học: 100% → 90%", "Cán bộ, giáo viên, nhân viên: 80% → 75%",
                 "Hộ gia đình: 70% → 65%", "Học sinh Tiểu học: chỉ tiêu 90%"):
        assert text in plan
    data = admin.get(f"/dashboard/report.json?as_of={AS_OF}").get_json()
    assert data["groups"]["primary"]["target"] == 90
    assert data["campaign"]["targets"]["households"] == 65


def test_recording_an_activity(admin, world):
    url = f"/dashboard/schools/{world.b.id}"
    assert "name=\"title\"" in admin.get(url).get_data(as_text=True)
    response = admin.post(f"{url}/activities", {
        "held_on": "2026-10-10", "title": "Ngày hội học tập số", "kind": "digital-day",
        "participants": "120"})
    assert response.status_code == 302 and response.location == url
    activity = db.session.scalar(select(OutreachActivity))
    assert (activity.school_id, activity.held_on, activity.kind, activity.participants,
            activity.created_by_id) == (world.b.id, date(2026, 10, 10), "digital-day", 120,
                                        world.admin.id)
    html = admin.get(url).get_data(as_text=True)
    assert "Đã ghi nhận hoạt động." in html
    assert "10/10/2026: <strong>Ngày hội học tập số</strong>" in html
    data = admin.get(f"/dashboard/report.json?as_of={AS_OF}").get_json()
    assert {s["code"]: s["activities"] for s in data["schools"]} == {"THHB": 0, "THCSYB": 1}
    refused = admin.post(f"{url}/activities", {"held_on": "", "title": "", "kind": "other"})
    assert refused.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(OutreachActivity)) == 1


# --- the downloads ---------------------------------------------------------------------------

def test_report_json_matches_ward_report(admin, world):
    response = admin.get(f"/dashboard/report.json?as_of={AS_OF}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data == ward_json(world)
    assert data["groups"]["parents"] == {"population": 4, "covered": 1, "percent": 25.0,
                                         "target": 80, "status": "behind"}
    assert [s["code"] for s in data["schools"]] == ["THCSYB", "THHB"]  # most behind first


def test_report_xlsx(admin, world):
    response = admin.get(f"/dashboard/report.xlsx?as_of={AS_OF}")
    assert response.status_code == 200 and response.mimetype == XLSX
    assert "2026-10-30.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    assert len(book.sheetnames) == 1 + len(GROUPS)
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "Phường Mẫu"
    assert "Bình dân học vụ số 2026" in sheet["A2"].value
    assert "01/10/2026 - 29/11/2026" in sheet["A3"].value and "30/10/2026" in sheet["A3"].value
    rows = [list(r) for r in sheet.iter_rows(min_row=5, values_only=True)]
    header, body = rows[0], rows[1:]
    assert header[:2] == ["Mã trường", "Tên trường"] and len(header) == 2 + 4 * len(GROUPS) + 1 + 3
    assert [r[:2] for r in body] == [["THCSYB", "Trường THCS Yên Bình"],
                                     ["THHB", "Trường Tiểu học Hòa Bình"],
                                     [None, "Toàn phường/xã"]]
    total = body[-1]
    # primary: covered, population, percent, target; then lower secondary ...; activities
    assert total[2:6] == [1, 2, 0.5, 1.0]
    assert total[10:14] == [1, 3, pytest.approx(0.333), 0.8]
    assert body[0][2:6] == [0, 0, 0, 1.0]  # THCSYB has no primary pupils
    for r in body:
        assert all(isinstance(v, int | float) for v in r[2:])
    for excel_row in sheet.iter_rows(min_row=6, max_row=8):
        for index in range(len(GROUPS)):
            for col in (4, 5):
                cell = excel_row[2 + index * 4 + col - 2]
                assert "%" in cell.number_format, cell.coordinate
            assert "%" not in excel_row[2 + index * 4].number_format
    detail = book["Học sinh Tiểu học"]
    assert detail["A1"].value == "Phường Mẫu" and detail["A4"].value == "Học sinh Tiểu học"
    detail_rows = list(detail.iter_rows(min_row=7, values_only=True))
    assert detail_rows[-1][1:7] == ("Toàn phường/xã", 1, 2, 0.5, 1.0, "đúng tiến độ")
    assert detail.cell(row=detail.max_row, column=5).number_format == "0.0%"
    assert [book[n]["A4"].value for n in book.sheetnames[1:]] == [
        "Học sinh Tiểu học", "Học sinh THCS", "Cán bộ, giáo viên, nhân viên", "Phụ huynh",
        "Hộ gia đình"]


def test_report_csv_starts_with_a_bom(admin, world):
    response = admin.get(f"/dashboard/report.csv?as_of={AS_OF}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "30/10/2026" in rows[0][0]
    assert [r[0] for r in rows[2:]] == ["THCSYB", "THHB", ""]
    assert rows[-1][1:6] == ["Toàn phường/xã", "1", "2", "50.0", "100"]


# --- who may see what -------------------------------------------------------------------------

def test_principal_sees_only_their_school(world, browser):
    assert browser.login("hieutruong.a").status_code == 302
    response = browser.get(f"/dashboard/?as_of={AS_OF}")
    assert response.status_code == 302
    assert response.location == f"/dashboard/schools/{world.a.id}?as_of={AS_OF}"
    html = browser.get(response.location).get_data(as_text=True)
    assert world.a.name in html and world.b.name not in html
    assert kpis(html)[0] == ("50", "1/2")
    assert browser.get(f"/dashboard/schools/{world.b.id}").status_code == 403
    assert browser.post(f"/dashboard/schools/{world.b.id}/activities", {
        "held_on": "2026-10-10", "title": "X", "kind": "other"}).status_code == 403
    data = browser.get(f"/dashboard/report.json?as_of={AS_OF}&school=THCSYB").get_json()
    assert [s["code"] for s in data["schools"]] == ["THHB"]
    assert data["groups"]["lower_secondary"]["population"] == 0
    assert data == ward_json(world, code="THHB")
    rows = list(csv.reader(io.StringIO(
        browser.get("/dashboard/report.csv").get_data().decode("utf-8-sig"))))
    assert [r[0] for r in rows[2:]] == ["THHB", ""]
    book = load_workbook(io.BytesIO(browser.get("/dashboard/report.xlsx").get_data()))
    assert [r[0] for r in book.worksheets[0].iter_rows(min_row=6, values_only=True)] == [
        "THHB", None]
    assert browser.post("/dashboard/targets", {g: "1" for g in GROUPS}).status_code == 403
    assert browser.post("/dashboard/campaign", {"name": "X", "starts_on": "2027-01-01",
                                                "ends_on": "2027-02-01"}).status_code == 403


DASHBOARD_GETS = ["/dashboard/", "/dashboard/schools/{a}", "/dashboard/competencies",
                  "/dashboard/report.json", "/dashboard/report.csv", "/dashboard/report.xlsx"]
DASHBOARD_POSTS = ["/dashboard/campaign", "/dashboard/targets", "/dashboard/schools/{a}/activities"]


def test_teachers_parents_and_pupils_are_refused(world, make_browser):
    data = {"name": "X", "starts_on": "2027-01-01", "ends_on": "2027-02-01",
            "held_on": "2026-10-10", "title": "X", "kind": "other", **{g: "1" for g in GROUPS}}
    for login in ("gv.a", "ph.a1", "hs.a1"):
        browser = make_browser()
        assert browser.login(login).status_code == 302
        for url in DASHBOARD_GETS:
            assert browser.get(url.format(a=world.a.id)).status_code == 403, (login, url)
        for url in DASHBOARD_POSTS:
            assert browser.post(url.format(a=world.a.id), data).status_code == 403, (login, url)
    assert db.session.scalar(select(func.count()).select_from(OutreachActivity)) == 0
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 1
    assert db.session.scalar(select(func.count()).select_from(TargetChange)) == 0


def test_anonymous_is_sent_to_sign_in(world, browser):
    for url in DASHBOARD_GETS:
        response = browser.get(url.format(a=world.a.id))
        assert response.status_code == 302 and response.location.startswith("/login"), url
    browser.get("/login")  # a valid CSRF token, so that only the sign-in check is left
    for url in DASHBOARD_POSTS:
        response = browser.post(url.format(a=world.a.id), {"title": "X", "name": "X"})
        assert response.status_code == 302 and response.location.startswith("/login"), url
    assert db.session.scalar(select(func.count()).select_from(OutreachActivity)) == 0


# --- no campaign yet --------------------------------------------------------------------------

def test_without_a_campaign_the_ward_admin_creates_one(app, courses, factory, browser):
    factory.school()
    factory.user("ward_admin", username="phuong")
    factory.commit()
    browser.login("phuong")
    html = browser.get("/dashboard/").get_data(as_text=True)
    assert 'action="/dashboard/campaign"' in html
    for name in ("name", "starts_on", "ends_on"):
        assert f'name="{name}"' in html
    assert "<svg" not in html
    assert browser.get("/dashboard/report.json").status_code == 404
    defaults = {f"{g}-{k}": v for g, p in DEFAULT_TARGETS.items()
                for k, v in (("follow", "y"), ("percent", str(p)))}
    wrong = browser.post("/dashboard/campaign", {"name": "Đợt 1", "starts_on": "2026-11-29",
                                                 "ends_on": "2026-10-01", **defaults})
    assert wrong.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Campaign)) == 0
    response = browser.post("/dashboard/campaign", {
        "name": "  Bình dân học vụ số  ", "starts_on": "2026-10-01", "ends_on": "2026-11-29",
        **defaults})
    assert response.status_code == 302 and response.location == "/dashboard/"
    campaign = db.session.scalar(select(Campaign))
    assert (campaign.name, campaign.starts_on, campaign.ends_on) == (
        "Bình dân học vụ số", START, END)
    assert {t.group: t.percent for t in campaign.targets} == DEFAULT_TARGETS
    page = browser.get(f"/dashboard/?as_of={AS_OF}").get_data(as_text=True)
    assert "<h1>Phường Mẫu</h1>" in page and "<span>Bình dân học vụ số</span>" in page
    assert 'role="img"' in page
