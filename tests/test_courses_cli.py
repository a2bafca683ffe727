"""`flask courses check` and `flask courses sync`."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.models import Course, CourseAsset, Lesson, Question, QuizVersion

FIXTURES = Path(__file__).parent / "data" / "courses"
TABLES = (Course, Lesson, QuizVersion, Question, CourseAsset)


def course_md(title="Khóa học", extra=""):
    return (f'---\ntitle: "{title}"\naudience: [primary]\ncompetencies: ["4.1"]\nminutes: 5\n'
            f'summary: "Tóm tắt."\n{extra}---\nGiới thiệu.\n')


LESSON = '---\ntitle: "Bài một"\n---\nNội dung.\n'


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def here(tmp_path, monkeypatch):
    """Work from tmp_path, so the CLI prints problem paths relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def good_tree(here):
    return write_tree(here / "courses", {
        "mot/course.md": course_md("Khóa một"), "mot/01-bai.md": LESSON,
        "hai/course.md": course_md("Khóa hai"), "hai/01-bai.md": LESSON,
    })


@pytest.fixture
def broken_tree(here):
    return write_tree(here / "courses", {
        "tot/course.md": course_md("Khóa tốt"), "tot/01-bai.md": LESSON,
        "hong/course.md": course_md("Khóa hỏng", extra="tac-gia: x\n"),
        "hong/01-bai.md": '---\ntitle: "Bài"\n---\nXem ![h](images/khong-co.svg)\n',
    })


def counts() -> dict[str, int]:
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m)) for m in TABLES}


def invoke(runner, *args):
    return runner.invoke(args=["courses", *map(str, args)])


# --- check -------------------------------------------------------------------------------------


def test_check_fixture_courses_succeeds(runner):
    result = invoke(runner, "check", FIXTURES)
    assert result.exit_code == 0, result.output
    # The third: in quiz-course's one single-choice question the right option is the longest.
    assert "3 khóa học hợp lệ; 0 lỗi, 3 cảnh báo." in result.stdout


def test_check_defaults_to_the_configured_folder(runner):
    result = invoke(runner, "check")
    assert result.exit_code == 0, result.output
    assert "3 khóa học hợp lệ; 0 lỗi" in result.stdout


def test_check_strict_fails_on_warnings(runner):
    result = invoke(runner, "check", "--strict", FIXTURES)
    assert result.exit_code == 1
    assert "cảnh báo: khóa học chưa gắn mã năng lực số nào" in result.stderr


def test_check_broken_tree_fails_with_file_and_line(runner, broken_tree):
    result = invoke(runner, "check", broken_tree)
    assert result.exit_code == 1
    errors = sorted(line for line in result.stderr.splitlines() if line)
    assert errors == [
        "courses/hong/01-bai.md:4: không tìm thấy tệp `images/khong-co.svg`",
        "courses/hong/course.md:7: khóa không được hỗ trợ `tac-gia` (chỉ dùng: audience, "
        "competencies, minutes, required, summary, title)",
    ]
    assert "1 khóa học hợp lệ; 2 lỗi, 0 cảnh báo." in result.stdout


def test_check_missing_folder_fails(runner, here):
    result = invoke(runner, "check", here / "khong-co")
    assert result.exit_code == 1
    assert "khong-co:0: không tìm thấy thư mục khóa học" in result.stderr


def test_check_does_not_touch_the_database(runner, good_tree):
    assert invoke(runner, "check", good_tree).exit_code == 0
    assert set(counts().values()) == {0}

    assert invoke(runner, "sync", good_tree).exit_code == 0
    before = counts()
    assert before["Course"] == 2
    write_tree(good_tree, {"mot/course.md": course_md("Tên đã sửa"), "ba/course.md": course_md(),
                           "ba/01-bai.md": LESSON})
    result = invoke(runner, "check", good_tree)
    assert result.exit_code == 0, result.output
    assert "3 khóa học hợp lệ" in result.stdout
    db.session.expire_all()
    assert counts() == before
    assert db.session.scalar(select(Course.title).where(Course.slug == "mot")) == "Khóa một"


# --- sync --------------------------------------------------------------------------------------


def test_sync_prints_summary_and_is_idempotent(runner, good_tree):
    result = invoke(runner, "sync", good_tree)
    assert result.exit_code == 0, result.output
    assert "  thêm mới: hai" in result.stdout
    assert "  thêm mới: mot" in result.stdout
    assert "thêm mới 2, cập nhật 0, không đổi 0, ngừng dùng 0" in result.stdout
    assert counts()["Course"] == 2

    result = invoke(runner, "sync", good_tree)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "thêm mới 0, cập nhật 0, không đổi 2, ngừng dùng 0"


def test_sync_reports_updates_and_retirements(runner, good_tree):
    assert invoke(runner, "sync", good_tree).exit_code == 0
    write_tree(good_tree, {"mot/course.md": course_md("Tên mới")})
    for file in (good_tree / "hai").iterdir():
        file.unlink()
    (good_tree / "hai").rmdir()
    result = invoke(runner, "sync", good_tree)
    assert result.exit_code == 0, result.output
    assert "  cập nhật: mot" in result.stdout
    assert "  ngừng dùng: hai" in result.stdout
    assert "thêm mới 0, cập nhật 1, không đổi 0, ngừng dùng 1" in result.stdout


def test_sync_fixture_courses(runner):
    result = invoke(runner, "sync", FIXTURES)
    assert result.exit_code == 0, result.output
    assert "thêm mới 3, cập nhật 0, không đổi 0, ngừng dùng 0" in result.stdout
    assert counts()["QuizVersion"] == 1
    assert counts()["CourseAsset"] == 1


def test_sync_broken_tree_fails_and_stores_nothing(runner, broken_tree):
    result = invoke(runner, "sync", broken_tree)
    assert result.exit_code == 1
    assert "courses/hong/course.md:7: khóa không được hỗ trợ `tac-gia`" in result.stderr
    assert "courses/hong/01-bai.md:4: không tìm thấy tệp `images/khong-co.svg`" in result.stderr
    assert "Có lỗi: không lưu thay đổi nào." in result.stderr
    assert "thêm mới" not in result.stdout
    assert set(counts().values()) == {0}  # not even the valid course "tot"


def test_sync_broken_tree_keeps_what_was_stored(runner, broken_tree):
    (broken_tree / "hong" / "course.md").write_text(course_md("Khóa hỏng"), encoding="utf-8")
    (broken_tree / "hong" / "01-bai.md").write_text(LESSON, encoding="utf-8")
    assert invoke(runner, "sync", broken_tree).exit_code == 0
    before = counts()

    write_tree(broken_tree, {"tot/course.md": course_md("Khóa tốt đã sửa"),
                             "hong/quiz.md": "---\npass_score: 80\n---\n### Hỏi?\n\n- [ ] a\n"})
    result = invoke(runner, "sync", broken_tree)
    assert result.exit_code == 1
    assert "courses/hong/quiz.md:4: câu hỏi cần ít nhất hai phương án" in result.stderr
    db.session.expire_all()
    assert counts() == before
    assert db.session.scalar(select(Course.title).where(Course.slug == "tot")) == "Khóa tốt"
