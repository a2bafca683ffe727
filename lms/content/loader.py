"""Read and validate every course under a folder. Nothing here touches the database."""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from lms.content.audio import lesson_audio
from lms.content.frontmatter import (
    Document,
    check_keys,
    get_bool,
    get_int,
    get_str,
    get_str_list,
    read_document,
)
from lms.content.problems import Problems
from lms.content.quizparse import REVEAL_AFTER, QuestionSource, parse_quiz_body
from lms.models.content import AUDIENCES

COMPETENCIES = {
    f"{area}.{n}" for area, count in {1: 3, 2: 6, 3: 4, 4: 4, 5: 4, 6: 3}.items() for n in range(1, count + 1)
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LESSON_FILE = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.md$")
ASSET_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
}
MAX_ASSET_BYTES = 512 * 1024
# Part of every course's digest: bump it when render.py's output changes, so that the next sync
# renders every course again.
RENDER_VERSION = 2
# Inline links and images, and reference definitions: their targets must exist. A target is
# either bare (no spaces) or in angle brackets, where it may hold spaces: `[x](<hình ảnh.png>)`.
INLINE_LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(?:<(?P<angled>[^<>\n]*)>|(?P<bare>[^)\s<>]+))"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
UNSAFE_SCHEME = re.compile(r"^\s*(javascript|vbscript|data|file):", re.IGNORECASE)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
SVG_ACTIVE = re.compile(
    rb"<script|<foreignObject|\son[a-z]+\s*=|javascript:|xlink:href=\"http|href=\"http",
    re.IGNORECASE,
)

COURSE_KEYS = {"title", "audience", "required", "competencies", "minutes", "summary"}
LESSON_KEYS = {"title", "audio"}
QUIZ_KEYS = {"pass_score", "reveal_after"}


@dataclass
class LessonSource:
    slug: str
    position: int
    title: str
    body: str
    path: Path
    audio: str | None = None  # recorded reading: a path in the course folder (a course asset)


@dataclass
class QuizSource:
    path: Path
    pass_score: int
    intro: str
    questions: list[QuestionSource]
    digest: str
    reveal_after: int = REVEAL_AFTER


@dataclass
class CourseSource:
    slug: str
    folder: Path
    title: str
    audience: list[str]
    required: bool
    competencies: list[str]
    minutes: int
    summary: str
    intro: str
    lessons: list[LessonSource] = field(default_factory=list)
    quiz: QuizSource | None = None
    assets: dict[str, Path] = field(default_factory=dict)  # relative path -> file
    digest: str = ""


def find_course_folders(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("course.md"))


def load_courses(root: Path) -> tuple[list[CourseSource], Problems]:
    """Every course under root, validated; the problems say file and line."""
    problems = Problems()
    root = Path(root).resolve()
    if not root.is_dir():
        problems.error(root, 0, "không tìm thấy thư mục khóa học")
        return [], problems
    folders = find_course_folders(root)
    seen: dict[str, Path] = {}
    courses = []
    for folder in folders:
        nested = next((f for f in folders if f != folder and folder in f.parents), None)
        if nested:
            problems.error(nested / "course.md", 1, f"khóa học không được nằm trong khóa học khác ({folder})")
        slug = folder.name
        if slug in seen:
            problems.error(
                folder / "course.md",
                1,
                f"tên thư mục `{slug}` đã được dùng cho khóa học {seen[slug]}; tên phải là duy nhất",
            )
            continue
        seen[slug] = folder
        course = load_course(folder, problems)
        if course:
            courses.append(course)
    return courses, problems


def load_course(folder: Path, problems: Problems) -> CourseSource | None:
    course_file = folder / "course.md"
    before = len(problems.errors)
    if not SLUG.match(folder.name):
        problems.error(
            course_file,
            1,
            f"tên thư mục `{folder.name}` chỉ được dùng chữ thường không dấu, số và dấu gạch ngang",
        )
    doc = read_document(course_file, problems)
    if doc is None:
        return None
    check_keys(doc, COURSE_KEYS, problems)
    title = get_str(doc, "title", problems, required=True)
    audience, audience_line = get_str_list(doc, "audience", problems)
    if not audience and "audience" not in doc.fields:
        problems.error(course_file, 1, "thiếu `audience` (primary, lower-secondary, teacher, parent)")
    for value in audience:
        if value not in AUDIENCES:
            problems.error(
                course_file,
                audience_line,
                f"đối tượng không hợp lệ `{value}` (chỉ dùng: {', '.join(AUDIENCES)})",
            )
    if "audience" in doc.fields and not audience:
        problems.error(course_file, audience_line, "`audience` không được để trống")
    competencies, comp_line = get_str_list(doc, "competencies", problems)
    for code in competencies:
        if code not in COMPETENCIES:
            problems.error(
                course_file,
                comp_line,
                f"mã năng lực không có trong Thông tư 02/2025/TT-BGDĐT: `{code}` (từ 1.1 đến 6.3)",
            )
    if not competencies:
        problems.warn(course_file, comp_line, "khóa học chưa gắn mã năng lực số nào (`competencies`)")
    course = CourseSource(
        slug=folder.name,
        folder=folder,
        title=title,
        audience=sorted(set(audience) & set(AUDIENCES), key=AUDIENCES.index),
        required=get_bool(doc, "required", problems, default=False),
        competencies=sorted(set(competencies) & COMPETENCIES),
        minutes=get_int(doc, "minutes", problems, default=0, low=0, high=6000),
        summary=get_str(doc, "summary", problems),
        intro=doc.body.strip(),
    )
    check_links(doc, course, problems)
    course.lessons = load_lessons(folder, course, problems)
    quiz_file = folder / "quiz.md"
    if quiz_file.exists():
        course.quiz = load_quiz(quiz_file, course, problems)
    elif course.required:
        line = doc.fields["required"].line
        problems.error(course_file, line, "khóa học bắt buộc (required: true) phải có bài kiểm tra quiz.md")
    if not course.lessons:
        problems.error(course_file, 1, "khóa học chưa có bài học nào (tệp NN-ten-bai.md)")
    if len(problems.errors) > before:
        return None
    course.digest = course_digest(course)
    return course


def load_lessons(folder: Path, course: CourseSource, problems: Problems) -> list[LessonSource]:
    lessons: list[LessonSource] = []
    positions: dict[int, Path] = {}
    for path in sorted(folder.glob("*.md")):
        if path.name in ("course.md", "quiz.md"):
            continue
        match = LESSON_FILE.match(path.name)
        if not match:
            problems.error(
                path,
                1,
                "tên tệp bài học phải có dạng NN-ten-bai.md (hai chữ số, chữ thường không dấu)",
            )
            continue
        position = int(match.group(1))
        if position in positions:
            problems.error(path, 1, f"số thứ tự {match.group(1)} trùng với {positions[position].name}")
            continue
        positions[position] = path
        doc = read_document(path, problems)
        if doc is None:
            continue
        check_keys(doc, LESSON_KEYS, problems)
        title = get_str(doc, "title", problems, required=True)
        if not doc.body.strip():
            problems.error(path, doc.body_line, "bài học chưa có nội dung")
        check_links(doc, course, problems)
        lesson = LessonSource(match.group(2), position, title, doc.body.strip(), path)
        if "audio" in doc.fields:
            lesson.audio = lesson_audio(doc, course.folder, course.assets, problems)
        lessons.append(lesson)
    return lessons


def load_quiz(path: Path, course: CourseSource, problems: Problems) -> QuizSource | None:
    doc = read_document(path, problems)
    if doc is None:
        return None
    check_keys(doc, QUIZ_KEYS, problems)
    pass_score = get_int(doc, "pass_score", problems, default=80, low=1, high=100)
    reveal_after = get_int(doc, "reveal_after", problems, default=REVEAL_AFTER, low=1, high=20)
    intro, questions = parse_quiz_body(path, doc.body, doc.body_line, problems)
    if not questions:
        problems.error(path, doc.body_line, "bài kiểm tra chưa có câu hỏi nào (### câu hỏi)")
    check_links(doc, course, problems)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return QuizSource(path, pass_score, intro, questions, digest, reveal_after)


def check_links(doc: Document, course: CourseSource, problems: Problems) -> None:
    """Relative links and images must point at files in the course folder."""
    lines = doc.body.split("\n")
    prose, in_code = [], False
    for line in lines:  # blank out fenced code, keeping the line count
        if line.lstrip().startswith(("```", "~~~")):
            in_code = not in_code
            prose.append("")
        else:
            prose.append("" if in_code else line)
    text = "\n".join(prose)
    for match in INLINE_LINK.finditer(text):  # a link's text may wrap onto the next line
        group = "angled" if match.group("angled") is not None else "bare"
        lineno = doc.body_line + text.count("\n", 0, match.start(group))
        check_target(doc.path, lineno, match.group(group), course, problems)
    for offset, line in enumerate(prose):
        ref = REFERENCE_DEF.match(line)
        if ref:
            check_target(doc.path, doc.body_line + offset, ref.group(1), course, problems)


def check_target(path: Path, line: int, target: str, course: CourseSource, problems: Problems):
    if UNSAFE_SCHEME.match(target):
        problems.error(path, line, f"liên kết không an toàn bị cấm: `{target[:40]}`")
        return
    if SCHEME.match(target) or target.startswith(("#", "/")):
        return
    relative = local_path(target)
    if not relative:
        return
    file = (path.parent / relative).resolve()
    folder = course.folder.resolve()
    if folder not in file.parents:
        problems.error(path, line, f"liên kết `{target}` trỏ ra ngoài thư mục khóa học")
        return
    if not file.is_file():
        problems.error(path, line, f"không tìm thấy tệp `{target}`")
        return
    rel = file.relative_to(folder).as_posix()
    if file.suffix == ".md":
        if not LESSON_FILE.match(file.name) or file.parent != folder:
            problems.error(path, line, f"chỉ liên kết được tới bài học trong cùng khóa: `{target}`")
        return
    media_type = ASSET_TYPES.get(file.suffix.lower())
    if media_type is None:
        problems.error(path, line, f"loại tệp không được hỗ trợ: `{target}` ({', '.join(ASSET_TYPES)})")
        return
    data = file.read_bytes()
    if len(data) > MAX_ASSET_BYTES:
        problems.error(path, line, f"tệp `{target}` quá lớn (tối đa {MAX_ASSET_BYTES // 1024} KB)")
        return
    if media_type == "image/svg+xml" and SVG_ACTIVE.search(data):
        problems.error(path, line, f"tệp SVG `{target}` chứa mã lệnh hoặc liên kết ra ngoài")
        return
    course.assets[rel] = file


def local_path(target: str) -> str:
    """The file a relative target names: no anchor or query, percent-escapes decoded."""
    return unquote(target.split("#", 1)[0].split("?", 1)[0])


def course_digest(course: CourseSource) -> str:
    """A fingerprint of every file the course is made of: equal digests, nothing to store."""
    h = hashlib.sha256(f"render:{RENDER_VERSION}".encode())
    files = [course.folder / "course.md"] + [lesson.path for lesson in course.lessons]
    if course.quiz:
        files.append(course.quiz.path)
    files += [course.assets[k] for k in sorted(course.assets)]
    for file in files:
        h.update(file.relative_to(course.folder).as_posix().encode())
        h.update(hashlib.sha256(file.read_bytes()).digest())
    return h.hexdigest()
