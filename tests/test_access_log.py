"""The access log (issue 19) over HTTP: each page or file that shows names records one entry
with its viewer, subject, school and unit; each admin reads only their scope's entries at
/admin/access-log (filtered by days and viewer, a page at a time); purge-log deletes only
entries older than ACCESS_LOG_DAYS."""

from datetime import date, datetime, timedelta

import pytest
from conftest import page_text
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import AccessLog, Campaign, Unit, User
from lms.models.base import today_in_vietnam, utcnow
from lms.privacy_log import record_access


@pytest.fixture
def world(app, factory):
    """A city; its ward with schools A and B; another commune with school C. A class in each,
    its homeroom teacher and a pupil; each school's principal; each unit's admin; the city's."""
    city = Unit(code="TP", name="Thành phố Mẫu", kind="city")
    db.session.add(city)
    db.session.flush()
    ward = factory.unit()
    ward.parent_id = city.id
    other = Unit(code="X-KHAC", name="Xã Khác", kind="commune", parent_id=city.id)
    db.session.add(other)
    db.session.flush()
    schools = {"a": factory.school(code="A", name="Trường An"),
               "b": factory.school(code="B", name="Trường Bình")}
    schools["c"] = factory.school(code="C", name="Trường Cát")
    schools["c"].unit_id = other.id
    w = {"city": city, "ward": ward, "other": other, "schools": schools, "rooms": {}, "teachers": {}}
    for key, school in schools.items():
        teacher = factory.user("teacher", username=f"gv.{key}", name=f"Giáo Viên {key.upper()}",
                               school=school)
        room = factory.classroom(school=school, name=f"6{key.upper()}", teacher=teacher)
        factory.pupil(room, name=f"Học Sinh {key.upper()}")
        factory.user("school_admin", username=f"qt.{key}", name=f"Hiệu Trưởng {key.upper()}", school=school)
        w["rooms"][key], w["teachers"][key] = room, teacher
    factory.user("ward_admin", username="phuong", name="Cán Bộ Phường").unit_id = ward.id
    factory.user("ward_admin", username="xa", name="Cán Bộ Xã").unit_id = other.id
    factory.user("city_admin", username="thanhpho", name="Cán Bộ Thành Phố").unit_id = city.id
    factory.commit()
    return w


def entries() -> list[AccessLog]:
    db.session.commit()  # see what the requests wrote
    return list(db.session.scalars(select(AccessLog).order_by(AccessLog.id)))


def signed_in(make_browser, login):
    browser = make_browser()
    assert browser.login(login).status_code == 302
    return browser


def test_viewing_and_exporting_a_class_record_one_entry_each(make_browser, world):
    room, school = world["rooms"]["a"], world["schools"]["a"]
    teacher = signed_in(make_browser, "gv.a")
    assert entries() == []  # signing in is no access to anyone's data

    assert teacher.get(f"/teach/classes/{room.id}").status_code == 200
    [view] = entries()
    assert (view.viewer_id, view.action, view.subject_kind, view.subject_id) == (
        world["teachers"]["a"].id, "class.view", "class", room.id)
    assert (view.school_id, view.unit_id, view.address) == (school.id, world["ward"].id, "127.0.0.1")
    assert abs(view.at - utcnow()) < timedelta(minutes=1)

    response = teacher.get(f"/teach/classes/{room.id}/matrix.xlsx")
    assert response.status_code == 200
    _view, export = entries()
    assert (export.viewer_id, export.action, export.subject_id, export.school_id, export.unit_id) == (
        world["teachers"]["a"].id, "class.export", room.id, school.id, world["ward"].id)


@pytest.mark.parametrize("tail,action", [
    ("", "class.view"),
    ("/matrix.csv", "class.export"),
    ("/print", "class.print"),
    ("/cards", "cards.print"),
    ("/letters", "letters.print"),
    ("/certificates", "certificate.print"),
    ("/consent", "consent.view"),
])
def test_every_class_page_with_names_records_its_entry(make_browser, world, tail, action):
    room = world["rooms"]["b"]
    principal = signed_in(make_browser, "qt.b")
    assert principal.get(f"/teach/classes/{room.id}{tail}").status_code == 200
    [entry] = entries()
    assert (entry.action, entry.subject_kind, entry.subject_id, entry.school_id) == (
        action, "class", room.id, world["schools"]["b"].id)
    assert entry.viewer_id == db.session.scalar(select(User.id).where(User.username == "qt.b"))


def test_a_refused_page_records_nothing(make_browser, world):
    outsider = signed_in(make_browser, "gv.b")
    assert outsider.get(f"/teach/classes/{world['rooms']['a'].id}").status_code == 403
    assert outsider.get(f"/teach/classes/{world['rooms']['a'].id}/matrix.csv").status_code == 403
    assert entries() == []


def test_school_pages_and_reports_record_their_school_or_unit(make_browser, world):
    today = today_in_vietnam()
    db.session.add(Campaign(unit_id=world["ward"].id, name="Kế hoạch", starts_on=today - timedelta(days=30),
                            ends_on=today + timedelta(days=300)))
    db.session.commit()
    school = world["schools"]["a"]
    admin = signed_in(make_browser, "phuong")
    assert admin.get(f"/dashboard/schools/{school.id}").status_code == 200
    assert admin.get(f"/admin/schools/{school.id}").status_code == 200
    assert admin.get("/dashboard/report.csv?school=A").status_code == 200
    assert admin.get("/dashboard/report.xlsx").status_code == 200
    got = [(e.action, e.subject_kind, e.subject_id, e.school_id, e.unit_id) for e in entries()]
    ward = world["ward"].id
    assert got == [("school.view", "school", school.id, school.id, ward),
                   ("staff.view", "school", school.id, school.id, ward),
                   ("report.export", "school", school.id, school.id, ward),
                   ("report.export", "unit", ward, None, ward)]


def test_the_address_is_the_clients_behind_a_trusted_proxy(make_browser, world, web_app):
    from werkzeug.middleware.proxy_fix import ProxyFix

    web_app.wsgi_app = ProxyFix(web_app.wsgi_app, x_for=1, x_proto=1)
    teacher = signed_in(make_browser, "gv.a")
    teacher.get(f"/teach/classes/{world['rooms']['a'].id}", headers={"X-Forwarded-For": "203.0.113.7"})
    assert [e.address for e in entries()] == ["203.0.113.7"]


# --- reading the log ---------------------------------------------------------------------------


def log_each_class(world):
    """One class view by its own teacher in each school, recorded as a page does."""
    for key, room in world["rooms"].items():
        record_access(db.session, world["teachers"][key], "class.view", "class", room.id,
                      school_id=room.school_id)
    db.session.commit()


def log_text(browser, query="") -> str:
    response = browser.get("/admin/access-log" + query)
    assert response.status_code == 200
    return page_text(response.get_data(as_text=True))


@pytest.mark.parametrize("login,seen,unseen", [
    ("qt.a", ["A"], ["B", "C"]),
    ("qt.b", ["B"], ["A", "C"]),
    ("phuong", ["A", "B"], ["C"]),
    ("xa", ["C"], ["A", "B"]),
    ("thanhpho", ["A", "B", "C"], []),
])
def test_each_admin_reads_only_their_scope(make_browser, world, login, seen, unseen):
    log_each_class(world)
    text = log_text(signed_in(make_browser, login))
    for key in seen:
        assert f"Giáo Viên {key}" in text and f"Lớp 6{key}" in text
    for key in unseen:
        assert f"Giáo Viên {key}" not in text and f"Lớp 6{key}" not in text


def test_another_units_admin_sees_none_of_this_wards_entries(make_browser, world):
    for key in ("a", "b"):
        room = world["rooms"][key]
        record_access(db.session, world["teachers"][key], "class.export", "class", room.id,
                      school_id=room.school_id)
    db.session.commit()
    text = log_text(signed_in(make_browser, "xa"))
    assert "Giáo Viên" not in text and "Chưa có mục nào" in text


def test_admins_find_it_from_their_first_page(make_browser, world):
    for login in ("qt.a", "phuong"):
        browser = signed_in(make_browser, login)
        first = browser.get("/admin/", follow_redirects=True).get_data(as_text=True)
        assert 'href="/admin/access-log"' in first and "Nhật ký truy cập" in page_text(first)


def test_a_teacher_cannot_read_it(make_browser, world):
    assert signed_in(make_browser, "gv.a").get("/admin/access-log").status_code == 403


def at_day(entry_id: int, day: date) -> None:
    db.session.get(AccessLog, entry_id).at = datetime.combine(day, datetime.min.time()) + timedelta(hours=3)


def test_filters_by_day_and_viewer(make_browser, world):
    log_each_class(world)
    a, b, _c = (e.id for e in entries())
    today = today_in_vietnam()
    at_day(a, today - timedelta(days=10))
    at_day(b, today)
    db.session.commit()
    admin = signed_in(make_browser, "phuong")
    recent = log_text(admin, f"?from={today - timedelta(days=2)}")
    assert "Giáo Viên B" in recent and "Giáo Viên A" not in recent
    older = log_text(admin, f"?to={today - timedelta(days=5)}")
    assert "Giáo Viên A" in older and "Giáo Viên B" not in older
    by_name = log_text(admin, "?who=Viên A")
    assert "Giáo Viên A" in by_name and "Giáo Viên B" not in by_name
    by_username = log_text(admin, "?who=GV.B")
    assert "Giáo Viên B" in by_username and "Giáo Viên A" not in by_username
    one = log_text(admin, f"?viewer={world['teachers']['a'].id}")
    assert "Giáo Viên A" in one and "Giáo Viên B" not in one
    # Another unit's teacher, asked for by id, is neither listed nor named.
    assert "Giáo Viên C" not in log_text(admin, f"?viewer={world['teachers']['c'].id}")


def test_pages_of_fifty_newest_first(make_browser, world):
    room, teacher = world["rooms"]["a"], world["teachers"]["a"]
    for _ in range(51):
        record_access(db.session, teacher, "class.view", "class", room.id, school_id=room.school_id)
    record_access(db.session, teacher, "class.export", "class", room.id, school_id=room.school_id)
    db.session.commit()
    principal = signed_in(make_browser, "qt.a")
    first = log_text(principal)
    assert first.count("Giáo Viên A") == 50 and "Cũ hơn" in first and "Mới hơn" not in first
    assert first.index("tải bảng tiến độ của lớp") < first.index("xem trang lớp")  # the export came last
    second = log_text(principal, "?page=2")
    assert second.count("Giáo Viên A") == 2 and "Mới hơn" in second and "Cũ hơn" not in second


# --- keeping it a set time ---------------------------------------------------------------------


def test_purge_deletes_only_entries_older_than_the_setting(world, runner, app):
    log_each_class(world)
    old, edge, new = (e.id for e in entries())
    db.session.get(AccessLog, old).at = utcnow() - timedelta(days=366)
    db.session.get(AccessLog, edge).at = utcnow() - timedelta(days=364)
    db.session.commit()
    result = runner.invoke(args=["privacy", "purge-log"])
    assert result.exit_code == 0, result.output
    assert "1 mục" in result.output
    assert [e.id for e in entries()] == [edge, new]

    app.config["ACCESS_LOG_DAYS"] = 30
    assert runner.invoke(args=["privacy", "purge-log"]).exit_code == 0
    assert [e.id for e in entries()] == [new]
    assert runner.invoke(args=["privacy", "purge-log", "--days", "0"]).exit_code != 0
    assert db.session.scalar(select(func.count(AccessLog.id))) == 1


# --- at phone size -----------------------------------------------------------------------------


@pytest.mark.browser
def test_the_log_reads_and_filters_at_360_px_without_script(world, web_app):
    import shutil
    import threading

    from werkzeug.serving import make_server

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    room, teacher = world["rooms"]["a"], world["teachers"]["a"]
    for _ in range(60):
        record_access(db.session, teacher, "class.export", "class", room.id, school_id=room.school_id)
    db.session.commit()
    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_context(viewport={"width": 360, "height": 740},
                                       java_script_enabled=False).new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=login]", "qt.a")
            page.fill("input[name=password]", "correct horse battery")
            page.click("button:has-text('Đăng nhập')")
            page.goto(f"{base}/admin/access-log")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.fill("input[name=who]", "Giáo Viên A")
            page.click("button:has-text('Xem')")
            assert "who=" in page.url
            assert page.locator("li:has-text('tải bảng tiến độ của lớp')").count() == 50
            page.click("text=Cũ hơn")
            assert page.locator("li:has-text('Giáo Viên A')").count() == 10
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            browser.close()
    finally:
        server.shutdown()
