"""The course format contract, as enforced by lms.content.loader.load_courses.

Every error is checked for its file, its line and a recognisable part of its message.
"""

import unicodedata
from pathlib import Path

import pytest

from lms.content.loader import load_courses
from lms.content.problems import Problem

FIXTURES = Path(__file__).parent / "data" / "courses"

COURSE = """\
---
title: "Khóa học thử"
audience: [primary]
competencies: ["4.1"]
minutes: 10
summary: "Một câu tóm tắt."
---
Giới thiệu khóa học.
"""
LESSON = """\
---
title: "Bài một"
---
Nội dung bài một.
"""
QUIZ = """\
---
pass_score: 80
---
Giới thiệu bài kiểm tra.

### Câu hỏi một?

- [ ] Sai
- [x] Đúng

> Giải thích.
"""


def write_tree(root: Path, files: dict[str, str | bytes | None]) -> Path:
    """Write {relative path: text} under root; bytes are written as they are, None is skipped."""
    for name, content in files.items():
        if content is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def load(tmp_path: Path, files: dict[str, str | bytes | None], *, base: bool = True):
    """Load a tree made of a valid course `c/` (unless base=False) overlaid with files.

    Returns (courses, problems, root); map a file to None to leave it out.
    """
    tree = {"c/course.md": COURSE, "c/01-mot.md": LESSON} if base else {}
    tree.update(files)
    root = write_tree(tmp_path / "courses", tree).resolve()
    courses, problems = load_courses(root)
    return courses, problems, root


def found(problems, root: Path, *, warnings: bool = False) -> list[tuple[str, int, str]]:
    chosen = problems.warnings if warnings else problems.errors
    return sorted((p.path.relative_to(root).as_posix(), p.line, p.message) for p in chosen)


def assert_errors(problems, root: Path, *expected: tuple[str, int, str]) -> None:
    """Exactly these errors (file, line, part of the message), in any order."""
    got = found(problems, root)
    assert len(got) == len(expected), got
    for file, line, fragment in expected:
        assert any(g[0] == file and g[1] == line and fragment in g[2] for g in got), (
            f"expected {file}:{line}: …{fragment}… in {got}"
        )


def lesson(title: str = "Bài", body: str = "Nội dung.") -> str:
    return f'---\ntitle: "{title}"\n---\n{body}\n'


def quiz(body: str, front: str = "pass_score: 80\n") -> str:
    return f"---\n{front}---\n{body}"


# --- valid courses ---------------------------------------------------------------------


def test_fixture_courses_load_without_errors():
    courses, problems = load_courses(FIXTURES)
    assert problems.errors == []
    by_slug = {c.slug: c for c in courses}
    assert set(by_slug) == {"quiz-course", "no-quiz-course", "teacher-course"}
    quiz_course = by_slug["quiz-course"]
    assert quiz_course.title == "Khóa có bài kiểm tra"
    assert quiz_course.audience == ["primary", "parent"]
    assert quiz_course.required is True
    assert quiz_course.competencies == ["2.5", "4.2"]
    assert quiz_course.minutes == 20
    assert [lsn.slug for lsn in quiz_course.lessons] == ["bai-mot", "bai-hai", "bai-ba"]
    assert quiz_course.quiz.pass_score == 100
    assert [q.multiple for q in quiz_course.quiz.questions] == [False, True]
    assert set(quiz_course.assets) == {"images/lock.svg"}
    assert by_slug["no-quiz-course"].quiz is None
    assert by_slug["no-quiz-course"].audience == ["primary"]  # a single value is a list of one


def test_minimal_course_is_valid_and_parsed(tmp_path):
    courses, problems, _ = load(tmp_path, {"c/quiz.md": QUIZ})
    assert problems == []
    [course] = courses
    assert (course.slug, course.title, course.summary) == ("c", "Khóa học thử", "Một câu tóm tắt.")
    assert course.audience == ["primary"]
    assert course.competencies == ["4.1"]
    assert course.minutes == 10
    assert course.required is False
    assert course.intro == "Giới thiệu khóa học."
    assert course.quiz.pass_score == 80
    assert course.quiz.intro == "Giới thiệu bài kiểm tra."
    [question] = course.quiz.questions
    assert question.heading == "Câu hỏi một?"
    assert [(o.text, o.correct) for o in question.options] == [("Sai", False), ("Đúng", True)]
    assert question.explanation == "Giải thích."
    assert question.multiple is False
    assert len(course.digest) == 64


def test_problem_prints_as_file_line_message(tmp_path):
    assert str(Problem(Path("a/course.md"), 4, "lỗi")) == "a/course.md:4: lỗi"
    warning = Problem(Path("a/quiz.md"), 6, "chú ý", warning=True)
    assert str(warning) == "a/quiz.md:6: cảnh báo: chú ý"


# --- course.md ---------------------------------------------------------------------------


def test_course_without_title(tmp_path):
    text = COURSE.replace('title: "Khóa học thử"\n', "")
    courses, problems, root = load(tmp_path, {"c/course.md": text})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 1, "thiếu `title`"))


def test_course_without_audience(tmp_path):
    text = COURSE.replace("audience: [primary]\n", "")
    courses, problems, root = load(tmp_path, {"c/course.md": text})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 1, "thiếu `audience`"))


def test_unknown_audience_value_reported_at_its_line(tmp_path):
    text = COURSE.replace("audience: [primary]", "audience: [primary, student]")
    courses, problems, root = load(tmp_path, {"c/course.md": text})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 3, "đối tượng không hợp lệ `student`"))


def test_empty_audience_reported_at_its_line(tmp_path):
    text = COURSE.replace("audience: [primary]", "audience:")
    _, problems, root = load(tmp_path, {"c/course.md": text})
    assert_errors(problems, root, ("c/course.md", 3, "`audience` không được để trống"))


@pytest.mark.parametrize(
    ("file", "text", "line", "key"),
    [
        ("c/course.md", COURSE.replace("minutes: 10\n", "minutes: 10\nauthor: \"Cô Lan\"\n"),
         6, "author"),
        ("c/course.md", COURSE.replace("---\nGiới", "level: TC1\n---\nGiới"), 7, "level"),
        ("c/01-mot.md", '---\ntitle: "Bài"\nsummary: "x"\n---\nNội dung.\n', 3, "summary"),
        ("c/quiz.md", quiz("### Hỏi?\n\n- [x] a\n- [ ] b\n\n> Vì.\n",
                           "pass_score: 80\nshuffle: true\n"), 3, "shuffle"),
    ],
    ids=["course-author", "course-level", "lesson-summary", "quiz-shuffle"],
)
def test_unknown_front_matter_key_reported_at_the_key_line(tmp_path, file, text, line, key):
    courses, problems, root = load(tmp_path, {file: text})
    assert courses == []
    assert_errors(problems, root, (file, line, f"khóa không được hỗ trợ `{key}`"))


def test_duplicate_front_matter_key(tmp_path):
    text = COURSE.replace("minutes: 10\n", "minutes: 10\nminutes: 20\n")
    _, problems, root = load(tmp_path, {"c/course.md": text})
    assert_errors(problems, root, ("c/course.md", 6, "khóa `minutes` bị lặp lại"))


def test_required_must_be_boolean(tmp_path):
    text = COURSE.replace("minutes: 10\n", 'minutes: 10\nrequired: "yes"\n')
    courses, problems, root = load(tmp_path, {"c/course.md": text, "c/quiz.md": QUIZ})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 6, "`required` phải là true hoặc false"))


def test_minutes_must_be_an_integer(tmp_path):
    text = COURSE.replace("minutes: 10", 'minutes: "ten"')
    courses, problems, root = load(tmp_path, {"c/course.md": text})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 5, "`minutes` phải là một số nguyên"))


def test_pass_score_must_be_a_percentage(tmp_path):
    courses, problems, root = load(tmp_path, {"c/quiz.md": QUIZ.replace("80", "150")})
    assert courses == []
    assert_errors(problems, root, ("c/quiz.md", 2, "`pass_score` phải nằm trong khoảng 1-100"))


def test_unknown_competency_codes(tmp_path):
    text = COURSE.replace('competencies: ["4.1"]', 'competencies: ["4.1", "7.1", "1.9"]')
    courses, problems, root = load(tmp_path, {"c/course.md": text})
    assert courses == []
    assert_errors(
        problems, root,
        ("c/course.md", 4, "mã năng lực không có trong Thông tư 02/2025/TT-BGDĐT: `7.1`"),
        ("c/course.md", 4, "mã năng lực không có trong Thông tư 02/2025/TT-BGDĐT: `1.9`"),
    )


def test_unquoted_competencies_are_accepted(tmp_path):
    text = COURSE.replace('competencies: ["4.1"]', "competencies: [1.1, 4.2, 2.5]")
    courses, problems, _ = load(tmp_path, {"c/course.md": text})
    assert problems.errors == []
    assert courses[0].competencies == ["1.1", "2.5", "4.2"]


def test_course_without_competencies_is_only_a_warning(tmp_path):
    text = COURSE.replace('competencies: ["4.1"]\n', "")
    courses, problems, root = load(tmp_path, {"c/course.md": text})
    assert [c.slug for c in courses] == ["c"]
    assert problems.errors == []
    assert found(problems, root, warnings=True) == [
        ("c/course.md", 1, "khóa học chưa gắn mã năng lực số nào (`competencies`)")
    ]


def test_malformed_yaml_reported_at_the_line_of_the_error(tmp_path):
    text = COURSE.replace("minutes: 10", "minutes: : 10")
    courses, problems, root = load(tmp_path, {"c/course.md": text})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 5, "YAML không hợp lệ"))


def test_malformed_yaml_in_a_lesson(tmp_path):
    text = '---\ntitle: "Bài\n---\nNội dung.\n'  # unterminated quote, closed by nothing
    _, problems, root = load(tmp_path, {"c/01-mot.md": text})
    errors = found(problems, root)
    assert ("c/01-mot.md", 2, "YAML không hợp lệ: found unexpected end of stream") in errors


def test_missing_closing_front_matter_line(tmp_path):
    text = '---\ntitle: "Bài một"\nNội dung.\n'
    courses, problems, root = load(tmp_path, {"c/01-mot.md": text})
    assert courses == []
    assert_errors(
        problems, root,
        ("c/01-mot.md", 1, "không có dòng --- để đóng"),
        ("c/course.md", 1, "khóa học chưa có bài học nào"),
    )


def test_missing_opening_front_matter_line(tmp_path):
    text = COURSE.removeprefix("---\n")
    courses, problems, root = load(tmp_path, {"c/course.md": text})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 1, "dòng đầu tiên phải là ---"))


@pytest.mark.parametrize("content", ["", "\n\n   \n"], ids=["empty", "blank"])
def test_empty_file(tmp_path, content):
    courses, problems, root = load(tmp_path, {"c/01-mot.md": content})
    assert courses == []
    assert_errors(
        problems, root,
        ("c/01-mot.md", 1, "tệp rỗng"),
        ("c/course.md", 1, "khóa học chưa có bài học nào"),
    )


def test_empty_course_file(tmp_path):
    courses, problems, root = load(tmp_path, {"c/course.md": ""})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 1, "tệp rỗng"))


def test_non_utf8_file_reported_at_the_line_of_the_bad_byte(tmp_path):
    data = (
        '---\ntitle: "Khóa học"\n'.encode()          # lines 1-2: valid UTF-8, with accents
        + 'summary: "Cà phê"\n'.encode("latin-1")  # line 3: saved as latin-1
        + "audience: [primary]\n---\nGiới thiệu.\n".encode()
    )
    courses, problems, root = load(tmp_path, {"c/course.md": data})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 3, "tệp không phải UTF-8"))


def test_non_utf8_lesson(tmp_path):
    data = '---\ntitle: "B"\nx\n---\n'.encode() + "Bài \xe0 la".encode("latin-1")
    _, problems, root = load(tmp_path, {"c/01-mot.md": data})
    assert ("c/01-mot.md", 5, "tệp không phải UTF-8 (hãy lưu lại với bảng mã UTF-8)") in found(
        problems, root)


def test_crlf_and_bom_do_not_shift_lines(tmp_path):
    text = "\ufeff" + COURSE.replace("minutes: 10", 'minutes: "ten"').replace("\n", "\r\n")
    _, problems, root = load(tmp_path, {"c/course.md": text})
    assert_errors(problems, root, ("c/course.md", 5, "`minutes` phải là một số nguyên"))


# --- folders and lesson files ----------------------------------------------------------


def test_duplicate_course_slug_in_two_grouping_folders(tmp_path):
    files = {
        "primary/trung-ten/course.md": COURSE, "primary/trung-ten/01-mot.md": LESSON,
        "teacher/trung-ten/course.md": COURSE, "teacher/trung-ten/01-mot.md": LESSON,
    }
    courses, problems, root = load(tmp_path, files, base=False)
    assert [c.folder.relative_to(root).as_posix() for c in courses] == ["primary/trung-ten"]
    assert_errors(problems, root,
                  ("teacher/trung-ten/course.md", 1, "tên thư mục `trung-ten` đã được dùng"))


@pytest.mark.parametrize("folder", ["Mat-Khau", "mật-khẩu", "mat_khau", "-mat-khau", "mat khau"])
def test_bad_course_folder_name(tmp_path, folder):
    files = {f"{folder}/course.md": COURSE, f"{folder}/01-mot.md": LESSON}
    _, problems, root = load(tmp_path, files, base=False)
    assert_errors(problems, root, (f"{folder}/course.md", 1, f"tên thư mục `{folder}`"))


def test_bad_course_folder_name_is_not_a_valid_course(tmp_path):
    files = {"Mat-Khau/course.md": COURSE, "Mat-Khau/01-mot.md": LESSON}
    courses, problems, _ = load(tmp_path, files, base=False)
    assert problems.errors
    assert courses == []


def test_nested_course_is_an_error(tmp_path):
    files = {"c/con/course.md": COURSE, "c/con/01-mot.md": LESSON}
    _, problems, root = load(tmp_path, files)
    assert_errors(problems, root, ("c/con/course.md", 1, "không được nằm trong khóa học khác"))


@pytest.mark.parametrize(
    "name", ["1-mot.md", "001-mot.md", "01_mot.md", "01-Mot.md", "01-bài.md", "mot.md", "01-.md"]
)
def test_bad_lesson_file_name(tmp_path, name):
    courses, problems, root = load(tmp_path, {f"c/{name}": LESSON})
    assert courses == []
    assert_errors(problems, root, (f"c/{name}", 1, "tên tệp bài học phải có dạng NN-ten-bai.md"))


def test_duplicate_lesson_numbers(tmp_path):
    courses, problems, root = load(tmp_path, {"c/01-hai.md": lesson("Hai")})
    assert courses == []
    # sorted: 01-hai.md comes first, so 01-mot.md is the duplicate
    assert_errors(problems, root, ("c/01-mot.md", 1, "số thứ tự 01 trùng với 01-hai.md"))


def test_course_without_lessons(tmp_path):
    courses, problems, root = load(tmp_path, {"c/01-mot.md": None})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 1, "khóa học chưa có bài học nào"))


def test_lesson_without_title(tmp_path):
    courses, problems, root = load(tmp_path, {"c/01-mot.md": "---\n---\nNội dung.\n"})
    assert courses == []
    assert_errors(problems, root, ("c/01-mot.md", 1, "thiếu `title`"))


def test_lesson_with_empty_title(tmp_path):
    courses, problems, root = load(tmp_path, {"c/01-mot.md": '---\ntitle: "  "\n---\nNội dung.\n'})
    assert courses == []
    assert_errors(problems, root, ("c/01-mot.md", 2, "`title` không được để trống"))


def test_lesson_with_empty_body(tmp_path):
    courses, problems, root = load(tmp_path, {"c/01-mot.md": '---\ntitle: "Bài"\n---\n\n   \n'})
    assert courses == []
    assert_errors(problems, root, ("c/01-mot.md", 4, "bài học chưa có nội dung"))


def test_lesson_order_follows_the_number_and_slug_is_after_it(tmp_path):
    files = {
        "c/01-mot.md": None,
        "c/10-cuoi-cung.md": lesson("Cuối"),
        "c/02-o-giua.md": lesson("Giữa"),
        "c/01-dau-tien.md": lesson("Đầu"),
    }
    courses, problems, _ = load(tmp_path, files)
    assert problems.errors == []
    lessons = courses[0].lessons
    assert [(lsn.position, lsn.slug, lsn.title) for lsn in lessons] == [
        (1, "dau-tien", "Đầu"), (2, "o-giua", "Giữa"), (10, "cuoi-cung", "Cuối")]


def test_text_is_normalised_to_nfc(tmp_path):
    nfc = "Mật khẩu mạnh, đừng chia sẻ"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    files = {
        "c/course.md": COURSE.replace("Khóa học thử", nfd),
        "c/01-mot.md": lesson(nfd, nfd),
        "c/quiz.md": QUIZ.replace("Câu hỏi một?", nfd + "?").replace("- [x] Đúng", "- [x] " + nfd),
    }
    courses, problems, _ = load(tmp_path, files)
    assert problems.errors == []
    [course] = courses
    assert course.title == nfc
    assert course.lessons[0].title == nfc
    assert course.lessons[0].body == nfc
    assert course.quiz.questions[0].heading == nfc + "?"
    assert course.quiz.questions[0].options[1].text == nfc


# --- links and images ------------------------------------------------------------------


def test_broken_relative_image(tmp_path):
    body = "Dòng một.\n\nXem hình: ![ổ khóa](images/khong-co.svg)"
    courses, problems, root = load(tmp_path, {"c/01-mot.md": lesson(body=body)})
    assert courses == []
    assert_errors(problems, root, ("c/01-mot.md", 6, "không tìm thấy tệp `images/khong-co.svg`"))


def test_broken_relative_link(tmp_path):
    body = "Dòng một.\nDòng hai.\nĐọc tiếp [bài hai](02-hai.md)."
    courses, problems, root = load(tmp_path, {"c/01-mot.md": lesson(body=body)})
    assert courses == []
    assert_errors(problems, root, ("c/01-mot.md", 6, "không tìm thấy tệp `02-hai.md`"))


def test_broken_link_in_course_intro_and_quiz(tmp_path):
    files = {
        "c/course.md": COURSE + "\nXem [tài liệu](tai-lieu.pdf).\n",
        "c/quiz.md": QUIZ + "\n### Hình nào?\n\n![h](images/x.svg)\n\n- [x] a\n- [ ] b\n\n> c\n",
    }
    _, problems, root = load(tmp_path, files)
    assert_errors(
        problems, root,
        ("c/course.md", 10, "không tìm thấy tệp `tai-lieu.pdf`"),
        ("c/quiz.md", 15, "không tìm thấy tệp `images/x.svg`"),
    )


def test_existing_image_and_lesson_link_are_accepted(tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'
    body = "![hình](images/h.svg)\n\n[bài hai](02-hai.md#muc-1)"
    files = {"c/01-mot.md": lesson(body=body), "c/02-hai.md": lesson("Hai"),
             "c/images/h.svg": svg}
    courses, problems, _ = load(tmp_path, files)
    assert problems.errors == []
    assert set(courses[0].assets) == {"images/h.svg"}


def test_link_escaping_the_course_folder(tmp_path):
    body = "Dòng một.\n\n[bí mật](../khac/01-mot.md)"
    files = {"c/01-mot.md": lesson(body=body), "khac/01-mot.md": "không phải khóa học"}
    courses, problems, root = load(tmp_path, files)
    assert courses == []
    assert_errors(problems, root, ("c/01-mot.md", 6, "trỏ ra ngoài thư mục khóa học"))


def test_reference_definition_to_a_missing_file(tmp_path):
    body = "Xem [hình][h].\n\n[h]: images/khong-co.png"
    courses, problems, root = load(tmp_path, {"c/01-mot.md": lesson(body=body)})
    assert courses == []
    assert_errors(problems, root, ("c/01-mot.md", 6, "không tìm thấy tệp `images/khong-co.png`"))


def test_links_inside_fenced_code_are_not_checked(tmp_path):
    body = "Ví dụ:\n\n```\n[x](khong-co.md)\n```\n"
    courses, problems, _ = load(tmp_path, {"c/01-mot.md": lesson(body=body)})
    assert problems.errors == []
    assert len(courses) == 1


@pytest.mark.parametrize(
    "body",
    [
        "[bấm](javascript:alert(1))",
        "[bấm](JaVaScRiPt:alert(1))",
        "[bấm]( javascript:alert(1) )",
        "[bấm](<javascript:alert(1)>)",
        "![x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "[x][id]\n\n[id]: javascript:alert(1)",
    ],
    ids=["js", "js-mixed-case", "js-spaces", "js-angle", "data-image", "vbscript", "file",
         "js-reference"],
)
def test_unsafe_link_schemes_are_errors(tmp_path, body):
    text = lesson(body="Dòng một.\n" + body)
    courses, problems, root = load(tmp_path, {"c/01-mot.md": text})
    assert courses == []
    line = 5 + body.count("\n")  # the last line holds the target
    assert_errors(problems, root, ("c/01-mot.md", line, "liên kết không an toàn bị cấm"))


def test_svg_with_script_is_rejected(tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    files = {"c/01-mot.md": lesson(body="![h](images/h.svg)"), "c/images/h.svg": svg}
    courses, problems, root = load(tmp_path, files)
    assert courses == []
    assert_errors(problems, root, ("c/01-mot.md", 4, "chứa mã lệnh"))


def test_unsupported_asset_type(tmp_path):
    files = {"c/01-mot.md": lesson(body="[tải](tep.exe)"), "c/tep.exe": "MZ"}
    _, problems, root = load(tmp_path, files)
    assert_errors(problems, root, ("c/01-mot.md", 4, "loại tệp không được hỗ trợ"))


@pytest.mark.parametrize(
    ("body", "lines", "target"),
    [
        ("Xem [hình [1]](images/khong-co.png).", {4}, "images/khong-co.png"),
        # the link starts on line 4 and its target is on line 5: either is a fair answer
        ("Xem [một liên kết\ndài](khong-co.md).", {4, 5}, "khong-co.md"),
    ],
    ids=["brackets-in-text", "wrapped-text"],
)
def test_broken_link_with_unusual_text_is_reported(tmp_path, body, lines, target):
    courses, problems, root = load(tmp_path, {"c/01-mot.md": lesson(body=body)})
    assert courses == []
    [(file, line, message)] = found(problems, root)
    assert file == "c/01-mot.md"
    assert line in lines
    assert f"không tìm thấy tệp `{target}`" in message


# --- quiz ------------------------------------------------------------------------------


def test_required_course_without_quiz(tmp_path):
    text = COURSE.replace("minutes: 10\n", "minutes: 10\nrequired: true\n")
    courses, problems, root = load(tmp_path, {"c/course.md": text})
    assert courses == []
    assert_errors(problems, root, ("c/course.md", 6, "phải có bài kiểm tra quiz.md"))


def test_required_course_with_quiz_is_valid(tmp_path):
    text = COURSE.replace("minutes: 10\n", "minutes: 10\nrequired: true\n")
    courses, problems, _ = load(tmp_path, {"c/course.md": text, "c/quiz.md": QUIZ})
    assert problems.errors == []
    assert courses[0].required is True


def test_question_without_a_correct_option(tmp_path):
    body = "Giới thiệu.\n\n### Chọn gì?\n\n- [ ] a\n- [ ] b\n\n> Vì.\n"
    courses, problems, root = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert courses == []
    assert_errors(problems, root, ("c/quiz.md", 6, "câu hỏi không có phương án đúng nào"))


def test_question_with_fewer_than_two_options(tmp_path):
    body = "### Một?\n\n- [x] a\n\n> Vì.\n\n### Hai?\n\n- [x] a\n- [ ] b\n\n> Vì.\n"
    courses, problems, root = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert courses == []
    assert_errors(problems, root, ("c/quiz.md", 4, "câu hỏi cần ít nhất hai phương án"))


def test_duplicate_options_reported_at_the_second(tmp_path):
    body = "### Chọn?\n\n- [x] Không chia sẻ\n- [ ] Có\n- [ ]  không   CHIA sẻ \n\n> Vì.\n"
    courses, problems, root = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert courses == []
    assert_errors(problems, root, ("c/quiz.md", 8, "phương án trùng với phương án ở dòng 6"))


@pytest.mark.parametrize("option", ["- [v] b", "- [] b", "- [xx] b", "* [ x] b"])
def test_malformed_option(tmp_path, option):
    body = f"### Chọn?\n\n- [x] a\n{option}\n- [ ] c\n\n> Vì.\n"
    courses, problems, root = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert courses == []
    assert_errors(problems, root, ("c/quiz.md", 7, "phương án phải viết `- [x] đáp án đúng`"))


def test_explanation_before_options(tmp_path):
    body = "### Chọn?\n\n> Vì.\n\n- [x] a\n- [ ] b\n"
    courses, problems, root = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert courses == []
    assert_errors(problems, root,
                  ("c/quiz.md", 6, "phần giải thích (>) phải đứng sau các phương án"))


def test_option_after_explanation(tmp_path):
    body = "### Chọn?\n\n- [x] a\n- [ ] b\n\n> Vì.\n- [ ] c\n"
    _, problems, root = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert_errors(problems, root, ("c/quiz.md", 10, "phương án phải đứng trước phần giải thích"))


def test_question_heading_must_be_level_three(tmp_path):
    body = "## Chọn?\n\n- [x] a\n- [ ] b\n"
    courses, problems, root = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert courses == []
    assert_errors(
        problems, root,
        ("c/quiz.md", 4, "mỗi câu hỏi phải bắt đầu bằng ###"),
        ("c/quiz.md", 4, "bài kiểm tra chưa có câu hỏi nào"),
    )


def test_quiz_without_questions(tmp_path):
    courses, problems, root = load(tmp_path, {"c/quiz.md": quiz("\nChỉ có lời giới thiệu.\n")})
    assert courses == []
    assert_errors(problems, root, ("c/quiz.md", 4, "bài kiểm tra chưa có câu hỏi nào"))


def test_question_without_explanation_is_a_warning(tmp_path):
    body = "### Một?\n\n- [x] a\n- [ ] b\n\n### Hai?\n\n- [x] a\n- [ ] b\n\n> Vì.\n"
    courses, problems, root = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert problems.errors == []
    assert found(problems, root, warnings=True) == [
        ("c/quiz.md", 4, "câu hỏi chưa có phần giải thích (>)")
    ]
    assert [q.explanation for q in courses[0].quiz.questions] == ["", "Vì."]


def test_several_correct_options_make_a_multiple_choice_question(tmp_path):
    body = (
        "### Chọn tất cả (chọn tất cả đáp án đúng)?\n\n- [x] a\n- [ ] b\n- [X] c\n\n> Vì.\n\n"
        "### Một đáp án?\n\n- [ ] a\n- [x] b\n\n> Vì.\n"
    )
    courses, problems, _ = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert problems.errors == []
    questions = courses[0].quiz.questions
    assert [q.multiple for q in questions] == [True, False]
    assert [o.correct for o in questions[0].options] == [True, False, True]
    assert [q.line for q in questions] == [4, 12]


def test_question_with_more_than_five_options(tmp_path):
    body = "### Chọn?\n\n" + "".join(f"- [{'x' if i == 0 else ' '}] {i}\n" for i in range(6))
    body += "\n> Vì.\n"
    courses, problems, root = load(tmp_path, {"c/quiz.md": quiz(body)})
    assert courses == []
    assert [(f, n) for f, n, _ in found(problems, root)] == [("c/quiz.md", 4)]
