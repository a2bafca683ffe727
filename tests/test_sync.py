"""sync_courses: all or nothing, idempotent, and never losing learners' history."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import (
    AttemptAnswer,
    Course,
    CourseAsset,
    Lesson,
    LessonProgress,
    Question,
    QuizAttempt,
    QuizVersion,
)

FIXTURES = Path(__file__).parent / "data" / "courses"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><circle r="2"/></svg>'
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def course_md(title="Khóa học", audience="[primary]", competencies='["4.1"]', extra=""):
    return (f'---\ntitle: "{title}"\naudience: {audience}\ncompetencies: {competencies}\n'
            f'minutes: 15\nsummary: "Tóm tắt {title}."\n{extra}---\nGiới thiệu {title}.\n')


def lesson_md(title="Bài", body="Nội dung."):
    return f'---\ntitle: "{title}"\n---\n{body}\n'


def quiz_md(question="Mật khẩu có nên chia sẻ không?", right="Không", wrong="Có"):
    return (f"---\npass_score: 80\n---\n### {question}\n\n- [ ] {wrong}\n- [x] {right}\n\n"
            "> Mật khẩu là bí mật.\n")


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: text or bytes} under root."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def simple_course(slug: str, title: str | None = None, **course_kwargs) -> dict[str, str]:
    return {
        f"{slug}/course.md": course_md(title or f"Khóa {slug}", **course_kwargs),
        f"{slug}/01-mot.md": lesson_md("Bài một", f"Nội dung bài một của {slug}."),
    }


@pytest.fixture
def root(tmp_path):
    return tmp_path / "courses"


def sync(root: Path):
    report = sync_courses(db.session, root)
    assert report.problems.errors == [], report.problems
    return report


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def course(slug: str) -> Course:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def lessons_of(slug: str) -> dict[str, Lesson]:
    return {lsn.slug: lsn for lsn in db.session.scalars(
        select(Lesson).join(Course).where(Course.slug == slug))}


# --- adding and repeating ----------------------------------------------------------------


def test_sync_adds_every_course(app, root):
    write_tree(root, {
        **{f"primary/{k}": v for k, v in simple_course("an-toan").items()},
        **{f"primary/{k}": v for k, v in simple_course("mat-khau").items()},
        **{f"teacher/{k}": v for k, v in simple_course("giao-vien", audience="[teacher]").items()},
        "teacher/giao-vien/02-hai.md": lesson_md("Bài hai"),
    })
    report = sync(root)
    assert sorted(report.added) == ["an-toan", "giao-vien", "mat-khau"]
    assert report.updated == report.unchanged == report.retired == []
    assert report.changed is True
    assert count(Course) == 3
    assert count(Lesson) == 4
    stored = course("giao-vien")
    assert stored.title == "Khóa giao-vien"
    assert stored.summary == "Tóm tắt Khóa giao-vien."
    assert stored.intro_html == "<p>Giới thiệu Khóa giao-vien.</p>"
    assert stored.minutes == 15
    assert stored.required is False
    assert stored.retired_at is None
    assert stored.source_path == str((root / "teacher" / "giao-vien").resolve())
    assert len(stored.source_hash) == 64
    assert [(lsn.position, lsn.slug, lsn.title) for lsn in stored.lessons] == [
        (1, "mot", "Bài một"), (2, "hai", "Bài hai")]
    assert stored.lessons[0].html == "<p>Nội dung bài một của giao-vien.</p>"


def test_fixture_courses_sync(app, courses):
    assert sorted(courses.added) == ["no-quiz-course", "quiz-course", "teacher-course"]
    quiz = db.session.scalar(select(QuizVersion).join(Course).where(Course.slug == "quiz-course"))
    assert (quiz.version, quiz.pass_score, quiz.retired_at) == (1, 100, None)
    assert [q.multiple for q in quiz.questions] == [False, True]
    assert [[o.is_correct for o in q.options] for q in quiz.questions] == [
        [False, True], [True, False, True]]
    assert course("no-quiz-course").required is False
    assert course("quiz-course").required is True


def _course_rows():
    return {c.slug: (c.id, c.updated_at, c.source_hash, c.retired_at)
            for c in db.session.scalars(select(Course))}


def test_second_sync_changes_nothing(app, root):
    write_tree(root, {**simple_course("mot"), **simple_course("hai"), "hai/quiz.md": quiz_md()})
    sync(root)
    before = _course_rows()
    lesson_ids = sorted(db.session.scalars(select(Lesson.id)))

    report = sync(root)
    assert sorted(report.unchanged) == ["hai", "mot"]
    assert report.added == report.updated == report.retired == []
    assert report.changed is False
    assert report.summary() == "thêm mới 0, cập nhật 0, không đổi 2, ngừng dùng 0"
    assert _course_rows() == before
    assert sorted(db.session.scalars(select(Lesson.id))) == lesson_ids
    assert count(QuizVersion) == 1


# --- lesson identity -----------------------------------------------------------------------


def _progress(factory, lesson: Lesson) -> tuple[int, int]:
    user = factory.user("pupil", tier="primary")
    db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, course_id=lesson.course_id))
    db.session.commit()
    return user.id, lesson.id


def _has_progress(user_id: int, lesson_id: int) -> bool:
    return db.session.get(LessonProgress, (user_id, lesson_id)) is not None


def test_editing_lesson_text_keeps_lesson_and_progress(app, root, factory):
    write_tree(root, simple_course("c"))
    sync(root)
    user_id, lesson_id = _progress(factory, lessons_of("c")["mot"])

    write_tree(root, {"c/01-mot.md": lesson_md("Bài một", "Nội dung **mới** hoàn toàn.")})
    report = sync(root)
    assert report.updated == ["c"]
    lesson = lessons_of("c")["mot"]
    assert lesson.id == lesson_id
    assert lesson.html == "<p>Nội dung <strong>mới</strong> hoàn toàn.</p>"
    assert lesson.retired_at is None
    assert count(Lesson) == 1
    assert _has_progress(user_id, lesson_id)


def test_renaming_a_lesson_title_keeps_identity(app, root, factory):
    write_tree(root, simple_course("c"))
    sync(root)
    user_id, lesson_id = _progress(factory, lessons_of("c")["mot"])

    write_tree(root, {"c/01-mot.md": lesson_md("Tên bài mới", "Nội dung bài một của c.")})
    assert sync(root).updated == ["c"]
    lesson = lessons_of("c")["mot"]
    assert (lesson.id, lesson.title) == (lesson_id, "Tên bài mới")
    assert _has_progress(user_id, lesson_id)


def test_renumbering_a_lesson_keeps_identity(app, root, factory):
    write_tree(root, {**simple_course("c"), "c/02-hai.md": lesson_md("Bài hai")})
    sync(root)
    user_id, lesson_id = _progress(factory, lessons_of("c")["mot"])

    (root / "c" / "01-mot.md").rename(root / "c" / "05-mot.md")
    assert sync(root).updated == ["c"]
    lessons = lessons_of("c")
    assert set(lessons) == {"mot", "hai"}
    assert (lessons["mot"].id, lessons["mot"].position) == (lesson_id, 5)
    assert lessons["mot"].retired_at is None
    assert [lsn.slug for lsn in course("c").lessons] == ["hai", "mot"]
    assert _has_progress(user_id, lesson_id)


def test_removing_a_lesson_retires_it_and_keeps_progress(app, root, factory):
    write_tree(root, {**simple_course("c"), "c/02-hai.md": lesson_md("Bài hai")})
    sync(root)
    user_id, lesson_id = _progress(factory, lessons_of("c")["hai"])

    (root / "c" / "02-hai.md").unlink()
    assert sync(root).updated == ["c"]
    lessons = lessons_of("c")
    assert lessons["hai"].id == lesson_id
    assert lessons["hai"].retired_at is not None
    assert lessons["mot"].retired_at is None
    assert course("c").retired_at is None
    assert _has_progress(user_id, lesson_id)

    write_tree(root, {"c/02-hai.md": lesson_md("Bài hai")})  # back again: the same row
    assert sync(root).updated == ["c"]
    lessons = lessons_of("c")
    assert (lessons["hai"].id, lessons["hai"].retired_at) == (lesson_id, None)


def test_removing_a_course_retires_it_and_re_adding_restores_it(app, root, factory):
    write_tree(root, {**simple_course("giu"), **simple_course("bo")})
    sync(root)
    course_id = course("bo").id
    user_id, lesson_id = _progress(factory, lessons_of("bo")["mot"])

    shutil.move(root / "bo", root.parent / "bo-backup")
    report = sync(root)
    assert report.retired == ["bo"]
    assert report.unchanged == ["giu"]
    assert report.added == report.updated == []
    retired = course("bo")
    assert retired.id == course_id
    assert retired.retired_at is not None
    assert course("giu").retired_at is None
    assert lessons_of("bo")["mot"].id == lesson_id
    assert _has_progress(user_id, lesson_id)

    report = sync(root)  # still gone: nothing more to retire
    assert report.retired == [] and report.changed is False

    shutil.move(root.parent / "bo-backup", root / "bo")
    report = sync(root)
    assert report.updated == ["bo"]
    assert report.added == []
    restored = course("bo")
    assert (restored.id, restored.retired_at) == (course_id, None)
    assert lessons_of("bo")["mot"].id == lesson_id
    assert _has_progress(user_id, lesson_id)


# --- quiz versions -------------------------------------------------------------------------


def test_changed_quiz_is_a_new_version_and_old_attempts_stay_readable(app, root, factory):
    write_tree(root, {**simple_course("c"), "c/quiz.md": quiz_md("Câu hỏi cũ?")})
    sync(root)
    v1 = db.session.scalar(select(QuizVersion))
    old_question = v1.questions[0]
    user = factory.user("pupil", tier="primary")
    attempt = QuizAttempt(user_id=user.id, course_id=v1.course_id, quiz_version_id=v1.id,
                          status="graded", correct_count=1, question_count=1, score=100.0,
                          passed=True)
    db.session.add(attempt)
    db.session.flush()
    right = next(o for o in old_question.options if o.is_correct)
    db.session.add(AttemptAnswer(attempt_id=attempt.id, question_id=old_question.id,
                                 chosen=str(right.id), is_correct=True))
    db.session.commit()
    attempt_id, v1_id = attempt.id, v1.id

    write_tree(root, {"c/quiz.md": quiz_md("Câu hỏi mới?", right="Không bao giờ")})
    assert sync(root).updated == ["c"]

    versions = db.session.scalars(select(QuizVersion).order_by(QuizVersion.version)).all()
    assert [v.version for v in versions] == [1, 2]
    old, new = versions
    assert old.id == v1_id
    assert old.retired_at is not None
    assert new.retired_at is None
    assert [q.prompt_html for q in old.questions] == ["Câu hỏi cũ?"]
    assert [q.prompt_html for q in new.questions] == ["Câu hỏi mới?"]
    assert [o.html for o in new.questions[0].options] == ["Có", "Không bao giờ"]

    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.quiz_version_id == v1_id
    assert [q.prompt_html for q in attempt.quiz_version.questions] == ["Câu hỏi cũ?"]
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))
    answered = db.session.get(Question, answer.question_id)
    assert answered.quiz_version_id == v1_id
    assert [o.html for o in answered.options] == ["Có", "Không"]


def test_unchanged_quiz_keeps_its_version_when_a_lesson_changes(app, root):
    write_tree(root, {**simple_course("c"), "c/quiz.md": quiz_md()})
    sync(root)
    write_tree(root, {"c/01-mot.md": lesson_md("Bài một", "Khác trước.")})
    assert sync(root).updated == ["c"]
    assert [(v.version, v.retired_at) for v in db.session.scalars(select(QuizVersion))] == [
        (1, None)]


def test_removed_quiz_is_retired(app, root):
    write_tree(root, {**simple_course("c"), "c/quiz.md": quiz_md()})
    sync(root)
    (root / "c" / "quiz.md").unlink()
    assert sync(root).updated == ["c"]
    [version] = db.session.scalars(select(QuizVersion)).all()
    assert version.retired_at is not None
    assert len(version.questions) == 1


# --- all or nothing, scope -------------------------------------------------------------------


def test_one_invalid_course_stores_nothing(app, root):
    write_tree(root, {**simple_course("tot", "Tên cũ"), **simple_course("hong")})
    sync(root)
    write_tree(root, {
        "tot/course.md": course_md("Tên mới"),
        "tot/02-hai.md": lesson_md("Bài hai"),
        "hong/course.md": course_md("Hỏng", extra="tac-gia: x\n"),
        **simple_course("moi"),
    })
    report = sync_courses(db.session, root)
    assert report.added == report.updated == report.unchanged == report.retired == []
    [error] = report.problems.errors
    assert (error.path, error.line) == ((root / "hong" / "course.md").resolve(), 7)
    assert "khóa không được hỗ trợ `tac-gia`" in error.message
    db.session.expire_all()
    assert course("tot").title == "Tên cũ"
    assert set(lessons_of("tot")) == {"mot"}
    assert course("moi") is None
    assert count(Course) == 2


def test_sync_of_missing_folder_reports_and_stores_nothing(app, tmp_path):
    report = sync_courses(db.session, tmp_path / "khong-co")
    assert [p.message for p in report.problems.errors] == ["không tìm thấy thư mục khóa học"]
    assert count(Course) == 0


def test_syncing_a_subfolder_does_not_retire_courses_outside_it(app, root):
    write_tree(root, {
        **{f"primary/{k}": v for k, v in simple_course("a").items()},
        **{f"primary/{k}": v for k, v in simple_course("b").items()},
        **{f"primary-2/{k}": v for k, v in simple_course("d").items()},
        **{f"teacher/{k}": v for k, v in simple_course("t", audience="[teacher]").items()},
    })
    sync(root)

    report = sync(root / "primary")
    assert sorted(report.unchanged) == ["a", "b"]
    assert report.retired == []
    assert course("t").retired_at is None
    assert course("d").retired_at is None  # primary-2 is not inside primary

    shutil.rmtree(root / "primary" / "b")  # inside the subfolder: retired as usual
    report = sync(root / "primary")
    assert report.retired == ["b"]
    assert [c.slug for c in db.session.scalars(
        select(Course).where(Course.retired_at.is_(None)).order_by(Course.slug))] == ["a", "d", "t"]


def test_audiences_and_competencies_are_stored_and_updated(app, root):
    write_tree(root, simple_course("c", audience="[parent, primary]",
                                   competencies='["4.2", "2.5", "4.2"]'))
    sync(root)
    stored = course("c")
    assert stored.audience_codes == ["primary", "parent"]
    assert stored.competency_codes == ["2.5", "4.2"]

    write_tree(root, {"c/course.md": course_md("Khóa c", audience="[teacher, parent]",
                                               competencies="[6.1]")})
    assert sync(root).updated == ["c"]
    db.session.expire_all()
    stored = course("c")
    assert stored.audience_codes == ["teacher", "parent"]
    assert stored.competency_codes == ["6.1"]


def test_fixture_audiences_and_competencies(app, courses):
    assert course("quiz-course").audience_codes == ["primary", "parent"]
    assert course("quiz-course").competency_codes == ["2.5", "4.2"]
    assert course("teacher-course").audience_codes == ["teacher"]
    assert course("teacher-course").competency_codes == []


# --- assets ----------------------------------------------------------------------------------


def test_assets_are_stored_and_served(app, root, client):
    write_tree(root, {
        **simple_course("c"),
        "c/01-mot.md": lesson_md("Bài một", "![hình](images/h.svg) ![ảnh](images/a.png)"),
        "c/images/h.svg": SVG,
        "c/images/a.png": PNG,
        "c/images/khong-dung.svg": SVG,  # not referenced: not stored
    })
    sync(root)
    assets = {a.path: a for a in db.session.scalars(select(CourseAsset))}
    assert set(assets) == {"images/h.svg", "images/a.png"}
    assert assets["images/h.svg"].media_type == "image/svg+xml"
    assert assets["images/a.png"].data == PNG

    html = lessons_of("c")["mot"].html
    assert f'src="/media/c/images/h.svg?v={assets["images/h.svg"].sha256[:10]}"' in html

    response = client.get("/media/c/images/h.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data == SVG
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert response.headers["ETag"] == f'"{assets["images/h.svg"].sha256}"'

    response = client.get("/media/c/images/a.png")
    assert (response.status_code, response.mimetype, response.data) == (200, "image/png", PNG)

    assert client.get("/media/c/images/khong-dung.svg").status_code == 404
    assert client.get("/media/khac/images/h.svg").status_code == 404
    etag = assets["images/h.svg"].sha256
    assert client.get("/media/c/images/h.svg",
                      headers={"If-None-Match": f'"{etag}"'}).status_code == 304


def test_changed_and_unreferenced_assets_are_updated(app, root, client):
    write_tree(root, {
        **simple_course("c"),
        "c/01-mot.md": lesson_md("Bài một", "![hình](images/h.svg) ![ảnh](images/a.png)"),
        "c/images/h.svg": SVG,
        "c/images/a.png": PNG,
    })
    sync(root)
    new_svg = SVG.replace(b'r="2"', b'r="1"')
    write_tree(root, {"c/images/h.svg": new_svg,
                      "c/01-mot.md": lesson_md("Bài một", "![hình](images/h.svg)")})
    assert sync(root).updated == ["c"]
    assert [a.path for a in db.session.scalars(select(CourseAsset))] == ["images/h.svg"]
    assert client.get("/media/c/images/h.svg").data == new_svg
    assert client.get("/media/c/images/a.png").status_code == 404


def test_fixture_asset_is_served(app, courses, client):
    response = client.get("/media/quiz-course/images/lock.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.data == (FIXTURES / "basic/quiz-course/images/lock.svg").read_bytes()
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_unchecked_link_outside_the_course_is_reported_not_a_crash(app, root):
    write_tree(root, {
        **simple_course("c"),
        "c/01-mot.md": lesson_md("Bài một", "Xem [hình [1]](../ngoai.png)."),
        "ngoai.png": PNG,
    })
    report = sync_courses(db.session, root)
    assert report.problems.errors
    assert count(Course) == 0
