"""Link and image targets with spaces or accents: checked like any other, served from a working URL."""

import ast
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.content.loader import load_courses
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import Course, CourseAsset, Lesson

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
COURSE = ('---\ntitle: "Khóa học thử"\naudience: [primary]\ncompetencies: ["4.1"]\nminutes: 10\n'
          'summary: "Tóm tắt."\n---\nGiới thiệu.\n')


def write(root: Path, body: str, files: dict[str, bytes] | None = None) -> Path:
    """Course `c` whose lesson 01 (front matter on lines 1-3) has `body` from line 4."""
    (root / "c").mkdir(parents=True)
    (root / "c/course.md").write_text(COURSE, encoding="utf-8")
    (root / "c/01-mot.md").write_text(f'---\ntitle: "Bài một"\n---\n{body}\n', encoding="utf-8")
    for name, data in (files or {}).items():
        (root / "c" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "c" / name).write_bytes(data)
    return root


def errors(root: Path) -> list[tuple[str, int, str]]:
    _, problems = load_courses(root)
    return [(p.path.name, p.line, p.message) for p in problems.errors]


class Targets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("href", "src")]


def targets(html: str) -> list[str]:
    parser = Targets()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize(
    ("body", "target"),
    [
        ("Xem [hình](<hình ảnh.png>).", "hình ảnh.png"),
        ("Dòng một.\n\n![ổ khóa](<images/a b.png>)", "images/a b.png"),
        ('Xem [tệp](<tài liệu.pdf> "Tài liệu").', "tài liệu.pdf"),
        ("[x](<a b.png>) rồi [y](<c d.png>)", "a b.png"),
    ],
    ids=["link", "image-on-line-6", "with-title", "two-on-a-line"],
)
def test_missing_target_in_angle_brackets_is_an_error_at_its_line(tmp_path, body, target):
    root = write(tmp_path / "courses", body)
    line = 4 + body.count("\n")
    assert (("01-mot.md", line, f"không tìm thấy tệp `{target}`") in errors(root)), errors(root)


def test_percent_escaped_target_names_the_file_with_the_space(tmp_path):
    assert errors(write(tmp_path / "a", "![x](a%20b.png)", {"a b.png": PNG})) == []
    assert errors(write(tmp_path / "b", "![x](a%20b.png)")) == [
        ("01-mot.md", 4, "không tìm thấy tệp `a%20b.png`")]


def test_angle_bracket_target_outside_the_course_is_refused(tmp_path):
    root = write(tmp_path / "courses", "![x](<../ngoài khóa.png>)")
    (root / "ngoài khóa.png").write_bytes(PNG)
    assert errors(root) == [("01-mot.md", 4, "liên kết `../ngoài khóa.png` trỏ ra ngoài thư mục khóa học")]


def test_present_targets_with_spaces_and_accents_are_stored_and_served(app, client, tmp_path):
    body = "![ảnh](<images/hình ảnh.png>) [tải](<tài liệu & bài tập.pdf>) [bài](02-hai.md#phan-2)"
    root = write(tmp_path / "courses", body,
                 {"images/hình ảnh.png": PNG, "tài liệu & bài tập.pdf": b"%PDF-1.4\n"})
    (root / "c/02-hai.md").write_text('---\ntitle: "Bài hai"\n---\nHai.\n', encoding="utf-8")
    report = sync_courses(db.session, root)
    assert report.problems.errors == []
    assets = {a.path for a in db.session.scalars(select(CourseAsset))}
    assert assets == {"images/hình ảnh.png", "tài liệu & bài tập.pdf"}

    html = db.session.scalar(select(Lesson.html).join(Course).where(Course.slug == "c", Lesson.slug == "mot"))
    image, pdf, lesson = targets(html)
    assert image.startswith("/media/c/images/h%C3%ACnh%20%E1%BA%A3nh.png?v=")
    assert pdf.startswith("/media/c/t%C3%A0i%20li%E1%BB%87u%20%26%20b%C3%A0i%20t%E1%BA%ADp.pdf?v=")
    assert lesson == "/courses/c/lessons/hai#phan-2"
    image_response = client.get(image)
    assert (image_response.status_code, image_response.data) == (200, PNG)
    assert client.get(pdf).status_code == 200


def test_loader_does_not_import_the_renderer():
    """render imports loader; loader importing render back made an import circle."""
    source = (Path(__file__).resolve().parent.parent / "lms/content/loader.py").read_text(encoding="utf-8")
    imported = {node.module for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    assert "lms.content.render" not in imported
