"""Families join with the code on the school's letter; staff choose a password with a setup code."""

import html
import re
import shutil
from datetime import date, timedelta

import pytest
from conftest import COURSES, another_worker_writes, base_config
from flask import current_app
from flask_babel import gettext
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from lms import create_app
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.formatting import qr_data_uri
from lms.models import (
    Assignment,
    Completion,
    Course,
    Guardianship,
    Household,
    Lesson,
    LessonProgress,
    OneTimeCode,
    Question,
    QuizAttempt,
    User,
)
from lms.models.base import utcnow
from lms.people.codes import code_digest
from lms.people.households import link_guardian

PASSWORD = "mat-khau-cua-me"
CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")


# Courses are synced once per module into a copy of the migrated template, and each test gets
# a copy of that (the sync takes longer than the rest of most tests). PostgreSQL: per test.
@pytest.fixture(scope="module")
def synced_template(template_db, tmp_path_factory):
    if template_db is None:
        return None
    path = tmp_path_factory.mktemp("synced") / "courses.sqlite3"
    shutil.copy(template_db, path)
    application = create_app(base_config(f"sqlite:///{path}"))
    with application.app_context():
        report = sync_courses(db.session, COURSES)
        assert not report.problems.errors, report.problems
        db.engine.dispose()
    return path


@pytest.fixture
def database_url(database_url, synced_template):
    if synced_template is not None and database_url.startswith("sqlite:///"):
        shutil.copy(synced_template, database_url.removeprefix("sqlite:///"))
    return database_url


@pytest.fixture
def courses(app, database_url, synced_template):
    if synced_template is None or not database_url.startswith("sqlite:///"):
        report = sync_courses(db.session, COURSES)
        assert not report.problems.errors, report.problems


def t(msgid, **kwargs):
    with current_app.test_request_context():
        return gettext(msgid, **kwargs)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def clean(fragment: str) -> str:
    fragment = re.sub(r"<[^>]+>", "", re.sub(r"<br\s*/?>", " ", fragment))
    return " ".join(html.unescape(fragment).split())


def signin(browser, login, password="correct horse battery"):
    assert browser.login(login, password).status_code == 302, login
    browser.get("/courses")  # the signed-in session's CSRF token


def letters(browser, room, new=""):
    """{pupil name: (code, QR image src)} from the printed letters, after codes are issued to
    those who have none (new="/new": new codes for all, confirmed)."""
    response = browser.post(f"/teach/classes/{room.id}/letters{new}", follow_redirects=True)
    assert response.status_code == 200
    out = {}
    for letter in re.findall(r'<section class="letter">(.*?)</section>',
                             response.get_data(as_text=True), re.S):
        name = re.search(r"Kính gửi gia đình em (.*?) \(lớp", letter).group(1)
        code = re.search(r'<strong class="code">(.*?)</strong>', letter).group(1)
        src = html.unescape(re.search(r'<img src="([^"]+)"', letter).group(1))
        out[name] = (code, src)
    return out


def signup(browser, code, phone="0912345678", name="Trần Thị Mai", password=PASSWORD):
    response = browser.post("/pair", {"code": code, "full_name": name, "phone": phone,
                                      "password": password, "confirm": password,
                                      "consent": "y"})
    if response.status_code == 302:
        browser.get("/courses")  # the new session's CSRF token
    return response


def code_row(code):
    return db.session.scalar(select(OneTimeCode).where(OneTimeCode.code_hash == code_digest(code)))


def children_on_family_page(browser):
    page = browser.get("/family").get_data(as_text=True)
    return [clean(h3) for h3 in re.findall(r'<article class="card">\s*<h3>(.*?)</h3>', page)]


@pytest.fixture
def school(factory):
    return factory.school(name="Trường TH&THCS Ánh Dương")


@pytest.fixture
def teacher(factory, school):
    return factory.user("teacher", username="gv.hoa", name="Đỗ Thị Hoa", school=school)


@pytest.fixture
def room(factory, school, teacher):
    return factory.classroom(school, name="3A", grade=3, teacher=teacher)


@pytest.fixture
def kids(factory, room):
    return [factory.pupil(room, name="Trần Văn Nam", password=None),
            factory.pupil(room, name="Lê Thị Hà", password=None)]


@pytest.fixture
def codes(make_browser, factory, room, kids):
    """The homeroom teacher prints the letters; {pupil name: code}."""
    factory.commit()
    teacher = make_browser()
    signin(teacher, "gv.hoa")
    return {name: code for name, (code, _src) in letters(teacher, room).items()}


def test_letters_give_each_pupil_a_one_time_code_with_qr(make_browser, factory, teacher, room,
                                                        kids):
    factory.commit()
    browser = make_browser()
    signin(browser, "gv.hoa")
    found = letters(browser, room)
    assert list(found) == ["Lê Thị Hà", "Trần Văn Nam"]  # class-list order
    for pupil in kids:
        code, src = found[pupil.full_name]
        assert CODE.fullmatch(code)
        assert src == qr_data_uri(f"http://127.0.0.1:5000/pair?code={code}")
        row = code_row(code)
        assert (row.kind, row.user_id, row.created_by_id, row.used_at) == (
            "pairing", pupil.id, teacher.id, None)
        assert row.expires_at - row.created_at == timedelta(days=30)
        assert code.replace("-", "") not in row.code_hash  # only a hash is stored
    assert found["Lê Thị Hà"][0] != found["Trần Văn Nam"][0]

    again = letters(browser, room, "/new")  # new codes, confirmed: the earlier ones are replaced
    old = found["Trần Văn Nam"][0]
    assert again["Trần Văn Nam"][0] != old
    page = text(make_browser().get("/pair", query_string={"code": old}))
    assert t("A newer letter was issued for this child, so this code no longer works. Use the code "
             "on the newest letter, or ask the class's homeroom teacher or the school.") in page


def test_parent_signs_up_with_the_code_and_is_linked(make_browser, codes, kids):
    code = codes["Trần Văn Nam"]
    parent = make_browser()
    form = parent.get("/pair", query_string={"code": code}).get_data(as_text=True)
    assert re.search(rf'name="code"[^>]*value="{code}"', form)
    response = signup(parent, code, phone="+84 912 345 678", name="  Trần   Thị  Mai ")
    assert response.status_code == 302 and response.location == "/family"
    page = text(parent.get("/family"))
    assert t("Hello, %(name)s", name="Trần Thị Mai") in page

    user = db.session.scalar(select(User).where(User.phone == "0912345678"))
    assert (user.role, user.tier, user.full_name, user.username) == (
        "parent", "parent", "Trần Thị Mai", None)
    assert check_password_hash(user.password_hash, PASSWORD) and user.claimed_at is not None
    nam = db.session.get(User, kids[0].id)
    assert db.session.scalars(select(Guardianship.pupil_id).where(
        Guardianship.guardian_id == user.id)).all() == [nam.id]
    assert user.household_id is not None and user.household_id == nam.household_id
    row = code_row(code)
    assert row.used_at is not None and row.used_by_id == user.id
    assert make_browser().login("0912 345 678", PASSWORD).status_code == 302


def test_family_page_shows_the_childs_assignments_and_the_parents_courses(
        make_browser, factory, courses, codes, kids, room, teacher):
    nam = kids[0]
    quiz = db.session.scalar(select(Course).where(Course.slug == "quiz-course"))
    db.session.add(Assignment(classroom_id=room.id, course_id=quiz.id, teacher_id=teacher.id,
                              due_on=date(2030, 5, 20)))
    first = db.session.scalar(select(Lesson).where(Lesson.course_id == quiz.id,
                                                   Lesson.position == 1))
    db.session.add(LessonProgress(user_id=nam.id, lesson_id=first.id, course_id=quiz.id))
    factory.commit()
    parent = make_browser()
    signup(parent, codes["Trần Văn Nam"])
    page = parent.get("/family").get_data(as_text=True)
    card = re.search(r'<article class="card">(.*?)</article>', page, re.S).group(1)
    assert clean(re.search(r"<h3>(.*?)</h3>", card).group(1)) == "Trần Văn Nam"
    assert re.findall(r"<span>(.*?)</span>", re.search(r'<p class="meta">(.*?)</p>', card)
                      .group(1)) == [t("Class %(name)s", name="3A"), "Trường TH&amp;THCS Ánh Dương"]
    items = [clean(li) for li in re.findall(r"<li>(.*?)</li>", card, re.S)]
    assert items == ["Khóa có bài kiểm tra · " + t("due %(date)s", date="20/05/2030") + " 1/3 "
                     + t("%(done)s/%(total)s lessons", done=1, total=3)]
    mine = page[page.index('aria-labelledby="mine"'):]
    assert re.findall(r'<h3><a href="(/courses/[^"]+/)">', mine) == ["/courses/quiz-course/"]


def test_a_used_code_is_refused(make_browser, codes):
    code = codes["Trần Văn Nam"]
    assert signup(make_browser(), code).status_code == 302
    other = make_browser()
    assert t("This code has already been used. Ask the school for a new one.") in text(
        other.get("/pair", query_string={"code": code}))
    response = signup(other, code, phone="0933444555", name="Người Lạ")
    assert response.status_code == 409
    assert t("This code has already been used. Ask the school for a new one.") in text(response)
    assert db.session.scalar(select(User).where(User.phone == "0933444555")) is None


def test_expired_and_wrong_codes_are_refused(make_browser, codes):
    code = codes["Trần Văn Nam"]
    code_row(code).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = signup(make_browser(), code)
    assert response.status_code == 409
    assert t("This code has expired. Ask the school for a new one.") in text(response)
    wrong = signup(make_browser(), "ABCD-EFGH")
    assert wrong.status_code == 409
    assert t("This code is not right. Check it and try again.") in text(wrong)
    assert db.session.scalar(select(func.count()).select_from(User)
                             .where(User.role == "parent")) == 0


def test_a_second_child_joins_the_same_household(make_browser, factory, school, codes, kids):
    other_room = factory.classroom(school, name="7B", grade=7)
    older = factory.pupil(other_room, name="Trần Văn An", password=None)
    factory.commit()
    factory.user("school_admin", username="qt", school=school)
    factory.commit()
    office = make_browser()
    signin(office, "qt")
    older_code = letters(office, other_room)["Trần Văn An"][0]

    parent = make_browser()
    signup(parent, codes["Trần Văn Nam"])
    assert parent.get("/pair").status_code == 200  # signed in: only the code is asked
    response = parent.post("/pair", {"code": older_code, "consent": "y"})
    assert response.status_code == 302 and response.location == "/family"
    assert t("You are now linked to %(name)s.", name="Trần Văn An") in text(parent.get("/family"))
    assert children_on_family_page(parent) == ["Trần Văn An", "Trần Văn Nam"]

    mother = db.session.scalar(select(User).where(User.phone == "0912345678"))
    family = {u.id: u.household_id for u in db.session.scalars(
        select(User).where(User.id.in_([mother.id, kids[0].id, older.id])))}
    assert len(set(family.values())) == 1 and None not in family.values()
    assert db.session.scalar(select(func.count()).select_from(Household)) == 1


def test_roster_guardian_claims_their_record(make_browser, factory, codes, kids):
    nam = kids[0]
    father = factory.user("parent", name="Lê Văn Cha", phone="0987654321", password=None,
                          username=None)
    link_guardian(db.session, father, nam)
    factory.commit()
    response = signup(make_browser(), codes["Trần Văn Nam"], phone="098.765.4321",
                      name="Lê Văn Cường")
    assert response.status_code == 302
    db.session.expire_all()
    claimed = db.session.scalars(select(User).where(User.phone == "0987654321")).all()
    assert [u.id for u in claimed] == [father.id]
    assert claimed[0].full_name == "Lê Văn Cường" and claimed[0].claimed_at is not None
    assert check_password_hash(claimed[0].password_hash, PASSWORD)
    assert db.session.scalar(select(func.count()).select_from(Guardianship)) == 1
    assert make_browser().login("0987654321", PASSWORD).status_code == 302


def test_unclaimed_phone_of_another_family_is_refused(make_browser, factory, codes, kids):
    neighbour_child = factory.pupil(factory.classroom(name="4C", grade=4), password=None)
    neighbour = factory.user("parent", name="Phạm Văn Xóm", phone="0977111222", password=None)
    link_guardian(db.session, neighbour, neighbour_child)
    factory.commit()
    code = codes["Trần Văn Nam"]
    response = signup(make_browser(), code, phone="0977111222")
    assert response.status_code == 409
    assert t("This phone number is registered with another family. Please contact the school.") \
        in text(response)
    db.session.expire_all()
    assert db.session.get(User, neighbour.id).password_hash is None
    assert db.session.scalar(select(Guardianship).where(
        Guardianship.guardian_id == neighbour.id, Guardianship.pupil_id == kids[0].id)) is None
    assert code_row(code).used_at is None  # still there for the real family
    assert signup(make_browser(), code, phone="0911000111").status_code == 302


def test_a_phone_with_an_account_is_asked_to_sign_in(make_browser, factory, school, codes, kids):
    factory.user("parent", username="me.cu", name="Trần Thị Cũ", phone="0911222333")
    factory.user("teacher", username="gv.co", school=school, phone="0944555666")
    factory.commit()
    code = codes["Trần Văn Nam"]
    for phone in ("0911222333", "0944555666"):
        response = signup(make_browser(), code, phone=phone)
        assert response.status_code == 409
        page = text(response)
        assert t("This phone number already has an account. Sign in first, then enter the code "
                 "again.") in page
        assert f'href="/login?next=/pair?code%3D{code}"' in page.replace("%2F", "/")
    assert code_row(code).used_at is None
    existing = make_browser()
    signin(existing, "0911222333")
    assert existing.post("/pair", {"code": code, "consent": "y"}).status_code == 302
    assert children_on_family_page(existing) == ["Trần Văn Nam"]
    teacher = make_browser()
    signin(teacher, "gv.co")
    refused = teacher.post("/pair", {"code": codes["Lê Thị Hà"], "consent": "y"})
    assert refused.status_code == 409
    assert t("Only a parent account can be linked to a pupil.") in text(refused)


def _answers(attempt_id):
    attempt = db.session.get(QuizAttempt, attempt_id)
    return {f"q{q.id}": [str(o.id) for o in q.options if o.is_correct]
            for q in db.session.scalars(select(Question).where(
                Question.quiz_version_id == attempt.quiz_version_id))}


def test_a_parent_completes_a_parent_course(make_browser, courses, codes):
    parent = make_browser()
    signup(parent, codes["Trần Văn Nam"])
    for lesson in ("bai-mot", "bai-hai", "bai-ba"):
        assert parent.get(f"/courses/quiz-course/lessons/{lesson}").status_code == 200
        assert parent.post(f"/courses/quiz-course/lessons/{lesson}/done").status_code == 302
    started = parent.post("/courses/quiz-course/quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)$", started.location).group(1))
    assert parent.post(f"/attempts/{attempt_id}", _answers(attempt_id)).status_code == 303
    db.session.commit()
    mother = db.session.scalar(select(User).where(User.phone == "0912345678"))
    completion = db.session.scalar(select(Completion).where(Completion.user_id == mother.id))
    assert (completion.course.slug, completion.score, completion.attempt_id) == (
        "quiz-course", 100.0, attempt_id)
    mine = parent.get("/family").get_data(as_text=True).split('aria-labelledby="mine"')[1]
    assert f'<span class="badge done">{t("completed")}</span>' in mine
    assert parent.get("/courses/no-quiz-course/").status_code == 403  # a pupils' course


def test_staff_set_their_password_with_a_setup_code(make_browser, factory, school):
    factory.user("school_admin", username="qt", school=school)
    newcomer = factory.user("teacher", name="Nguyễn Thị Thu", phone="0901234567", password=None,
                            school=school, username=None)
    factory.user("teacher", name="Bùi Văn Có", school=school)  # has a password already
    factory.user("teacher", name="Vũ Văn Nghỉ", school=school, password=None, active=False)
    factory.commit()
    office = make_browser()
    signin(office, "qt")
    response = office.post(f"/admin/schools/{school.id}/setup-codes")
    assert response.status_code == 200
    cards = re.findall(r'<section class="signin-card">(.*?)</section>',
                       response.get_data(as_text=True), re.S)
    assert [re.search(r"<strong>(.*?)</strong>", c).group(1) for c in cards] == ["Nguyễn Thị Thu"]
    code = re.search(r'<strong class="code">(.*?)</strong>', cards[0]).group(1)
    assert CODE.fullmatch(code)
    src = html.unescape(re.search(r'<img src="([^"]+)"', cards[0]).group(1))
    assert src == qr_data_uri(f"http://127.0.0.1:5000/setup?code={code}")

    as_pairing = signup(make_browser(), code, phone="0933777888")  # a code of the other kind
    assert as_pairing.status_code == 409
    assert t("This code is not right. Check it and try again.") in text(as_pairing)

    staff = make_browser()
    form = staff.get("/setup", query_string={"code": code}).get_data(as_text=True)
    assert re.search(rf'name="code"[^>]*value="{code}"', form)
    done = staff.post("/setup", {"code": code, "password": "mat-khau-moi-1",
                                 "confirm": "mat-khau-moi-1"})
    assert done.status_code == 302 and done.location == "/"
    home = text(staff.get("/home"))
    assert t("Hello, %(name)s", name="Nguyễn Thị Thu") in home
    assert t("Your password is set. Sign in next time with your phone number.") in home
    db.session.expire_all()
    user = db.session.get(User, newcomer.id)
    assert check_password_hash(user.password_hash, "mat-khau-moi-1") and user.claimed_at
    assert make_browser().login("090 123 4567", "mat-khau-moi-1").location == "/"

    again = make_browser().post("/setup", {"code": code, "password": "chiem-quyen-1",
                                           "confirm": "chiem-quyen-1"})
    assert again.status_code == 401
    assert t("This code has already been used. Ask the school for a new one.") in text(again)
    db.session.expire_all()
    assert check_password_hash(db.session.get(User, newcomer.id).password_hash, "mat-khau-moi-1")


def test_signing_up_hashes_the_password_without_the_write_lock(make_browser, codes, monkeypatch):
    """The new password's hash (tens of ms of CPU) runs before the write transaction, so other
    people's writes do not queue behind it (issue 13, the morning rush)."""
    import lms.family.routes

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite: one writer at a time")
    path = db.engine.url.database
    wrote = []
    real = lms.family.routes.hash_password

    def hash_while_another_worker_writes(password):
        wrote.append(another_worker_writes(path))
        return real(password)

    monkeypatch.setattr(lms.family.routes, "hash_password", hash_while_another_worker_writes)
    assert signup(make_browser(), codes["Trần Văn Nam"]).status_code == 302
    assert wrote == [True]


def test_a_wrong_code_costs_no_password_hash(make_browser, codes, monkeypatch):
    """The code is checked before the new password is hashed (19 MiB of Argon2id a time)."""
    import lms.family.routes

    hashed = []
    real = lms.family.routes.hash_password
    monkeypatch.setattr(lms.family.routes, "hash_password", lambda pw: hashed.append(pw) or real(pw))
    assert signup(make_browser(), "ABCD-EFGH").status_code != 302
    assert hashed == []
    assert signup(make_browser(), codes["Trần Văn Nam"]).status_code == 302
    assert hashed == [PASSWORD]
