"""The quiz body: `###` questions, `- [x]`/`- [ ]` options, an optional `>` explanation."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from lms.content.problems import Problems

OPTION = re.compile(r"^\s{0,3}[-*+]\s+\[( |x|X)\]\s+(.*\S)\s*$")
LOOSE_OPTION = re.compile(r"^\s{0,3}[-*+]\s+\[")
QUESTION = re.compile(r"^###\s+(.*\S)\s*$")
MAX_OPTIONS = 5
# Graded attempts after which the right options are shown (quiz.md `reveal_after`): retrying
# should not be copying, but a learner stuck after a few tries should learn the answers.
REVEAL_AFTER = 3
HEADING = re.compile(r"^#{1,6}(\s|$)")


@dataclass
class OptionSource:
    text: str
    correct: bool
    line: int


@dataclass
class QuestionSource:
    line: int
    heading: str
    details: str = ""
    options: list[OptionSource] = field(default_factory=list)
    explanation: str = ""

    @property
    def multiple(self) -> bool:
        return sum(o.correct for o in self.options) > 1


def _option_key(text: str) -> str:
    return " ".join(text.casefold().split())


def parse_quiz_body(path: Path, body: str, first_line: int, problems: Problems):
    """Return (intro markdown, questions). Every problem carries its file line."""
    intro: list[str] = []
    questions: list[QuestionSource] = []
    current: QuestionSource | None = None
    stage = "intro"  # intro -> details -> options -> explanation
    details: list[str] = []
    explanation: list[str] = []

    def close():
        if current is None:
            return
        current.details = "\n".join(details).strip()
        current.explanation = "\n".join(explanation).strip()
        _check_question(path, current, problems)

    for offset, line in enumerate(body.split("\n")):
        lineno = first_line + offset
        heading = QUESTION.match(line)
        if heading:
            close()
            current = QuestionSource(line=lineno, heading=heading.group(1))
            questions.append(current)
            details, explanation, stage = [], [], "details"
            continue
        if current is None:
            if HEADING.match(line) and line.strip("# ").strip():
                problems.error(path, lineno, "mỗi câu hỏi phải bắt đầu bằng ### (ba dấu thăng)")
            intro.append(line)
            continue
        option = OPTION.match(line)
        if option:
            if stage == "explanation":
                problems.error(path, lineno, "phương án phải đứng trước phần giải thích (>)")
                continue
            stage = "options"
            current.options.append(
                OptionSource(text=option.group(2), correct=option.group(1) != " ", line=lineno)
            )
            continue
        if LOOSE_OPTION.match(line):
            problems.error(path, lineno, "phương án phải viết `- [x] đáp án đúng` hoặc `- [ ] đáp án sai`")
            continue
        if line.lstrip().startswith(">"):
            if stage != "options":
                problems.error(path, lineno, "phần giải thích (>) phải đứng sau các phương án")
                continue
            stage = "explanation"
            explanation.append(re.sub(r"^\s*>\s?", "", line))
            continue
        if not line.strip():
            continue
        if HEADING.match(line):
            problems.error(path, lineno, "mỗi câu hỏi phải bắt đầu bằng ### (ba dấu thăng)")
            continue
        if stage == "details":
            details.append(line)
        elif stage == "explanation" and explanation:
            problems.error(path, lineno, "mỗi dòng giải thích phải bắt đầu bằng >")
        else:
            problems.error(path, lineno, "nội dung không mong đợi giữa các phương án")
    close()
    return "\n".join(intro).strip(), questions


def _check_question(path: Path, q: QuestionSource, problems: Problems) -> None:
    if len(q.options) < 2:
        problems.error(path, q.line, "câu hỏi cần ít nhất hai phương án")
    elif len(q.options) > MAX_OPTIONS:
        problems.error(path, q.line, f"câu hỏi có tối đa {MAX_OPTIONS} phương án")
    elif not any(o.correct for o in q.options):
        problems.error(path, q.line, "câu hỏi không có phương án đúng nào ([x])")
    seen: dict[str, int] = {}
    for option in q.options:
        key = _option_key(option.text)
        if key in seen:
            problems.error(path, option.line, f"phương án trùng với phương án ở dòng {seen[key]}")
        else:
            seen[key] = option.line
    if not q.explanation:
        problems.warn(path, q.line, "câu hỏi chưa có phần giải thích (>)")
