"""Quiz-quality warnings (issue 17, "Fairer quizzes"): what lets a careful guesser pass unread.

The rules are the ones the course authors write to (docs/huong-dan-soan-khoa-hoc.md), per quiz:
a single-choice question has exactly one `[x]`, a multiple-choice question two or more; an
option's length is the number of characters of its text as written after `- [ ] ` / `- [x] `.

- W1 longest-right: single-choice questions whose right option is strictly the longest (ties do
  not count); warn when they are more than a third of the single-choice questions.
- W2 position: with 4 or more single-choice questions, warn when more than half have the right
  option in the same position, or when it never appears outside one position.
- W3 all-but-one: a multiple-choice question with 4 or more options, all right but one.
- W4 same-count: 2 or more multiple-choice questions, all with the same number of right options.

W3 points at its question's line; the quiz-wide W1, W2 and W4 at the first question they count
(W1 and W4 list the others' lines). Warnings, never errors: they do not stop a sync;
`courses check --strict` fails on them.
"""

import unicodedata
from collections import Counter

from lms.content.loader import CourseSource, QuizSource
from lms.content.problems import Problem
from lms.content.quizparse import QuestionSource


def _right_count(q: QuestionSource) -> int:
    return sum(o.correct for o in q.options)


def _lines(questions: list[QuestionSource]) -> str:
    return ", ".join(str(q.line) for q in questions)


def _length(text: str) -> int:
    # Characters as the reader sees them: "ế" typed as e + two combining marks is one.
    return len(unicodedata.normalize("NFC", text.strip()))


def _right_is_longest(q: QuestionSource) -> bool:
    right = next(o for o in q.options if o.correct)
    return all(_length(right.text) > _length(o.text) for o in q.options if o is not right)


def _longest_right(quiz: QuizSource, single: list[QuestionSource]) -> list[Problem]:
    longest = [q for q in single if _right_is_longest(q)]
    if len(longest) * 3 <= len(single):
        return []
    message = (
        f"đáp án đúng dài nhất ở {len(longest)}/{len(single)} câu một lựa chọn "
        f"(tối đa 1/3, tức {len(single) // 3} câu): câu ở dòng {_lines(longest)}; "
        "hãy viết phương án sai dài ngang đáp án đúng"
    )
    return [Problem(quiz.path, longest[0].line, message, warning=True)]


def _position(quiz: QuizSource, single: list[QuestionSource]) -> list[Problem]:
    if len(single) < 4:
        return []
    positions = Counter(next(i for i, o in enumerate(q.options, 1) if o.correct) for q in single)
    top, most = positions.most_common(1)[0]
    if most * 2 <= len(single) and len(positions) > 1:
        return []
    spread = ", ".join(f"{p}:{positions[p]}" for p in sorted(positions))
    if len(positions) == 1:
        why = f"đáp án đúng luôn ở vị trí {top}"
    else:
        why = f"đáp án đúng ở vị trí {top} trong {most}/{len(single)} câu một lựa chọn (tối đa một nửa)"
    message = f"{why}; vị trí đáp án đúng: {spread}; hãy đổi chỗ các phương án"
    return [Problem(quiz.path, single[0].line, message, warning=True)]


def _all_but_one(quiz: QuizSource, multiple: list[QuestionSource]) -> list[Problem]:
    found = []
    for q in multiple:
        if len(q.options) >= 4 and _right_count(q) == len(q.options) - 1:
            message = (
                f"câu nhiều lựa chọn có {_right_count(q)}/{len(q.options)} phương án đúng, "
                "chỉ một phương án sai: chọn hết cũng gần đúng; "
                "hãy thêm phương án sai hợp lý hoặc bớt phương án đúng"
            )
            found.append(Problem(quiz.path, q.line, message, warning=True))
    return found


def _same_count(quiz: QuizSource, multiple: list[QuestionSource]) -> list[Problem]:
    counts = {_right_count(q) for q in multiple}
    if len(multiple) < 2 or len(counts) != 1:
        return []
    message = (
        f"cả {len(multiple)} câu nhiều lựa chọn (dòng {_lines(multiple)}) đều có đúng "
        f"{counts.pop()} phương án đúng; hãy cho số phương án đúng khác nhau giữa các câu"
    )
    return [Problem(quiz.path, multiple[0].line, message, warning=True)]


def quiz_warnings(quiz: QuizSource) -> list[Problem]:
    """The quiz-quality warnings of one parsed quiz, each with the quiz file and a line."""
    single = [q for q in quiz.questions if _right_count(q) == 1]
    multiple = [q for q in quiz.questions if _right_count(q) >= 2]
    found = (
        _longest_right(quiz, single)
        + _position(quiz, single)
        + _all_but_one(quiz, multiple)
        + _same_count(quiz, multiple)
    )
    return sorted(found, key=lambda w: w.line)


def course_warnings(courses: list[CourseSource]) -> list[Problem]:
    """The quiz-quality warnings of every course that has a quiz."""
    return [w for course in courses if course.quiz for w in quiz_warnings(course.quiz)]
