"""Quiz-quality warnings (issue 17): each rule fires on a small quiz and not on its fixed version."""

import unicodedata
from pathlib import Path

import pytest

from lms.content.loader import load_courses
from lms.content.quality import quiz_warnings

COURSE = ('---\ntitle: "Khóa thử"\naudience: [primary]\ncompetencies: ["4.1"]\nminutes: 5\n'
          'summary: "Tóm tắt."\n---\nGiới thiệu.\n')
LESSON = '---\ntitle: "Bài một"\n---\nNội dung.\n'
# Options of equal length: no right option is "longest", so W1 stays quiet where it is not tested.
A, B, C, D, E = "Cách một", "Cách hai", "Cách ba!", "Cách bốn", "Cách năm"


def quiz_md(*questions: list[tuple[str, bool]]) -> str:
    """quiz.md text: each question a list of (option text, right?)."""
    parts = ["---\npass_score: 80\n---\n"]
    for n, options in enumerate(questions, 1):
        parts.append(f"### Câu {n}\n")
        parts += [f"- [{'x' if right else ' '}] {text}" for text, right in options]
        parts.append("\n> Vì sao.\n")
    return "\n".join(parts)


def single(right: int, *texts: str) -> list[tuple[str, bool]]:
    """A single-choice question whose right option is at 1-based position `right`."""
    texts = texts or (A, B, C, D)
    return [(t, i == right) for i, t in enumerate(texts, 1)]


def multiple(rights: set[int], *texts: str) -> list[tuple[str, bool]]:
    texts = texts or (A, B, C, D)
    return [(t, i in rights) for i, t in enumerate(texts, 1)]


def write_course(root: Path, quiz: str) -> Path:
    folder = root / "courses" / "thu"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.md").write_text(COURSE, encoding="utf-8")
    (folder / "01-bai.md").write_text(LESSON, encoding="utf-8")
    (folder / "quiz.md").write_text(quiz, encoding="utf-8")
    return root / "courses"


def warnings_of(tmp_path: Path, *questions) -> list[str]:
    courses, problems = load_courses(write_course(tmp_path, quiz_md(*questions)))
    assert not problems, [str(p) for p in problems]
    return [p.message for p in quiz_warnings(courses[0].quiz)]


def line_of(tmp_path: Path, heading: str) -> int:
    text = (tmp_path / "courses" / "thu" / "quiz.md").read_text(encoding="utf-8")
    return text.split("\n").index(heading) + 1


LONG = "Một cách trả lời dài hơn hẳn"


# --- W1 longest-right ---------------------------------------------------------------------------


def test_longest_right_fires_above_a_third(tmp_path):
    found = warnings_of(tmp_path, single(1, LONG, A, B), single(2, A, LONG, B), single(1, A, B, C))
    assert found == ["đáp án đúng dài nhất ở 2/3 câu một lựa chọn (tối đa 1/3, tức 1 câu): "
                     f"câu ở dòng {line_of(tmp_path, '### Câu 1')}, {line_of(tmp_path, '### Câu 2')}; "
                     "hãy viết phương án sai dài ngang đáp án đúng"]


def test_longest_right_exactly_a_third_is_fine(tmp_path):
    assert warnings_of(tmp_path, single(1, LONG, A, B), single(2, A, B, LONG), single(1, A, B, C)) == []


def test_longest_right_ties_are_not_longest(tmp_path):
    # Twice the right option is as long as the longest wrong one: a guesser cannot tell them apart.
    tied = "Một cách trả lời dài hơn hẳn"
    twin = "Hai cách trả lời dài hơn hẳn"
    assert len(tied) == len(twin)
    assert warnings_of(tmp_path, single(1, LONG, A, B), single(1, tied, twin, A),
                       single(2, twin, tied, A)) == []


def test_longest_right_counts_characters_as_seen(tmp_path):
    # "Tiếng Việt" typed with combining marks is 13 code points but 10 letters, as long as "Tieng Viet".
    decomposed = unicodedata.normalize("NFD", "Tiếng Việt")
    assert len(decomposed) > len("Tieng Viet")
    questions = [single(1, decomposed, "Tieng Viet", A) for _ in range(3)]
    assert warnings_of(tmp_path, *questions) == []


# --- W2 position --------------------------------------------------------------------------------


def test_position_fires_when_more_than_half_share_a_position(tmp_path):
    found = warnings_of(tmp_path, single(1), single(1), single(1), single(2), single(3))
    assert len(found) == 1
    assert "đáp án đúng ở vị trí 1 trong 3/5 câu một lựa chọn (tối đa một nửa)" in found[0]
    assert "vị trí đáp án đúng: 1:3, 2:1, 3:1" in found[0]


def test_position_half_is_fine(tmp_path):
    assert warnings_of(tmp_path, single(1), single(1), single(2), single(3)) == []


def test_position_always_the_same(tmp_path):
    found = warnings_of(tmp_path, single(2), single(2), single(2), single(2))
    assert found and found[0].startswith("đáp án đúng luôn ở vị trí 2; vị trí đáp án đúng: 2:4")


def test_position_needs_four_single_choice_questions(tmp_path):
    assert warnings_of(tmp_path, single(1), single(1), single(1), multiple({1, 2})) == []


# --- W3 all-but-one -----------------------------------------------------------------------------


def test_all_but_one_names_the_question(tmp_path):
    found = warnings_of(tmp_path, single(1), multiple({1, 2, 3}), multiple({1, 2, 3, 4}, A, B, C, D, E))
    lines = [p.line for p in quiz_warnings(load_courses(tmp_path / "courses")[0][0].quiz)]
    assert found == [
        "câu nhiều lựa chọn có 3/4 phương án đúng, chỉ một phương án sai: chọn hết cũng gần đúng; "
        "hãy thêm phương án sai hợp lý hoặc bớt phương án đúng",
        "câu nhiều lựa chọn có 4/5 phương án đúng, chỉ một phương án sai: chọn hết cũng gần đúng; "
        "hãy thêm phương án sai hợp lý hoặc bớt phương án đúng",
    ]
    assert lines == [line_of(tmp_path, "### Câu 2"), line_of(tmp_path, "### Câu 3")]


def test_all_but_one_fixed(tmp_path):
    # Two right of four, three of five; and three options, two right, is too few options to count.
    assert warnings_of(tmp_path, multiple({1, 3}), multiple({1, 2, 4}, A, B, C, D, E)) == []
    assert warnings_of(tmp_path, multiple({1, 2}, A, B, C)) == []


# --- W4 same-count ------------------------------------------------------------------------------


def test_same_count_says_the_count(tmp_path):
    found = warnings_of(tmp_path, multiple({1, 3}), single(1), multiple({2, 4}), multiple({1, 4}))
    lines = ", ".join(str(line_of(tmp_path, f"### Câu {n}")) for n in (1, 3, 4))
    assert found == [f"cả 3 câu nhiều lựa chọn (dòng {lines}) đều có đúng 2 phương án đúng; "
                     "hãy cho số phương án đúng khác nhau giữa các câu"]


def test_same_count_fixed(tmp_path):
    assert warnings_of(tmp_path, multiple({1, 3}), multiple({2, 3, 5}, A, B, C, D, E)) == []
    # One multiple-choice question alone has nothing to compare with.
    assert warnings_of(tmp_path, multiple({1, 3}), single(2)) == []


# --- through the real CLI -----------------------------------------------------------------------


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(runner, *args):
    return runner.invoke(args=["courses", "check", *map(str, args)])


def test_cli_warns_with_file_and_line_and_strict_fails(runner, here):
    root = write_course(here, quiz_md(single(1), multiple({1, 2, 3}), single(2), multiple({1, 3})))
    line = line_of(here, "### Câu 2")
    result = check(runner, root)
    assert result.exit_code == 0, result.output
    assert f"courses/thu/quiz.md:{line}: cảnh báo: câu nhiều lựa chọn có 3/4 phương án đúng" in result.stderr
    assert "1 khóa học hợp lệ; 0 lỗi, 1 cảnh báo." in result.stdout
    assert check(runner, "--strict", root).exit_code == 1


def test_cli_strict_passes_a_fair_quiz(runner, here):
    root = write_course(here, quiz_md(single(1), multiple({1, 2, 3}, A, B, C, D, E), single(2),
                                      multiple({1, 3}), single(3), single(4)))
    result = check(runner, "--strict", root)
    assert result.exit_code == 0, result.output
    assert "1 khóa học hợp lệ; 0 lỗi, 0 cảnh báo." in result.stdout


def test_sync_is_not_blocked_by_quiz_warnings(runner, here):
    root = write_course(here, quiz_md(single(1), single(1), single(1), single(1), multiple({1, 2, 3})))
    result = runner.invoke(args=["courses", "sync", str(root)])
    assert result.exit_code == 0, result.output
    assert "thêm mới: thu" in result.stdout
