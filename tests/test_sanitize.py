"""No script gets through the Markdown pipeline: render_markdown, sanitize_html, render_course,
and the HTML stored by a sync."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.content.loader import load_courses
from lms.content.render import render_course, render_inline, render_markdown, sanitize_html
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import Course, Lesson, QuizVersion

FIXTURES = Path(__file__).parent / "data" / "courses"

DANGEROUS_TAGS = {"script", "iframe", "svg", "math", "style", "object", "embed", "form",
                  "input", "link", "meta", "base", "frame", "frameset", "details", "div"}
UNSAFE_URL = re.compile(r"^(javascript|vbscript|data|file):", re.IGNORECASE)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements(fragment: str):
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser.elements


def assert_clean(fragment: str) -> None:
    """Nothing in the HTML can run: no dangerous element, no event handler, no unsafe URL.

    Escaped text such as `&lt;img onerror=…&gt;` is harmless and allowed: the checks look at
    real tags and attributes only.
    """
    lowered = fragment.lower()
    for tag in ("<script", "<iframe", "<svg", "<math", "<style", "<object", "<embed"):
        assert tag not in lowered, fragment
    # no event handler inside a real tag (escaped text has &lt; instead of <; quoted
    # attribute values are emptied first, so a title that mentions onerror= is fine)
    unquoted = re.sub(r"\"[^\"]*\"|'[^']*'", '""', fragment)
    assert not re.search(r"<[^<>]*\son[a-z]+\s*=", unquoted, re.IGNORECASE), fragment
    for tag, attrs in elements(fragment):
        assert tag not in DANGEROUS_TAGS, fragment
        for name, value in attrs:
            assert not name.startswith("on"), fragment
            assert name not in ("style", "srcdoc", "formaction", "xlink:href"), fragment
            if name in ("href", "src") and value is not None:
                # a browser ignores control characters and whitespace in the scheme
                squeezed = re.sub(r"[\x00-\x20]", "", html.unescape(value))
                assert not UNSAFE_URL.match(squeezed), fragment
    assert "javascript:" not in re.sub(r"\s", "", html.unescape(" ".join(
        v or "" for _, attrs in elements(fragment) for _, v in attrs))).lower()


@pytest.mark.parametrize(
    "dirty",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<p ONCLICK='x'>p</p>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href=" java\tscript:alert(1)">x</a>',
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
        "<iframe></iframe>",
        "<svg></svg>",
        "<math></math>",
        "<style></style>",
    ],
)
def test_the_checker_itself_rejects_dirty_html(dirty):
    with pytest.raises(AssertionError):
        assert_clean(dirty)


PAYLOADS = {
    "script-block": "<script>alert(1)</script>",
    "script-inline": "Xin chào <script>alert(1)</script> các em.",
    "script-uppercase": "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "img-onerror": "<img src=x onerror=alert(1)>",
    "img-onerror-in-paragraph": "Một hình <img src=x onerror=alert(1)> ở giữa.",
    "js-link": "[x](javascript:alert(1))",
    "js-link-mixed-case": "[x](JaVaScRiPt:alert(1))",
    "js-link-spaces": "[x](  javascript:alert(1)  )",
    "js-link-angle": "[x](<javascript:alert(1)>)",
    "js-image": "![x](javascript:alert(1))",
    "data-image": "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data-link": "[x](data:text/html,<script>alert(1)</script>)",
    "vbscript-link": "[x](vbscript:msgbox(1))",
    "reference-js": "[x][id]\n\n[id]: javascript:alert(1)",
    "reference-js-title": '[x][id]\n\n[id]: javascript:alert(1) "tiêu đề"',
    "autolink-js": "<javascript:alert(1)>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "svg-onload": "<svg onload=alert(1)>",
    "svg-script": "<svg><script>alert(1)</script></svg>",
    "math": "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "style": "<style>body { background: url(javascript:alert(1)) }</style>",
    "attr-list-onclick": "[x](https://example.org){onclick=alert(1)}\n\nĐoạn {: onclick=alert(1) }",
    "entity-js": "[x](&#106;avascript:alert(1))",
    "entity-hex-js": "[x](&#x6A;&#x61;vascript:alert(1))",
    "entity-tab-js": "[x](java&#x09;script:alert(1))",
    "html-anchor": '<a href="javascript:alert(1)">x</a>',
    "div-onclick": '<div onclick="alert(1)">x</div>',
    "details-ontoggle": "<details open ontoggle=alert(1)>",
    "comment": "<!-- <script>alert(1)</script> -->",
    "body-onload": "<body onload=alert(1)>",
    "object": '<object data="javascript:alert(1)"></object>',
    "form": '<form action="javascript:alert(1)"><button>x</button></form>',
    "img-title-break": '![x](https://example.org/a.png "a\\" onerror=\\"alert(1)")',
}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payload_never_survives_render_markdown(payload):
    assert_clean(render_markdown(payload))


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_payload_never_survives_render_inline(payload):
    assert_clean(render_inline(payload.split("\n")[0]))


def test_raw_html_is_shown_as_text_not_markup():
    out = render_markdown("<img src=x onerror=alert(1)> và <b>đậm</b>")
    assert "<img" not in out
    assert "<b>" not in out
    assert "&lt;img src=x onerror=alert(1)&gt;" in out


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script><p>ok</p>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JAVASCRIPT:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="java\tscript:alert(1)">x</a>',
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
        '<iframe src="https://evil.example"></iframe>',
        "<svg onload=alert(1)><circle/></svg>",
        "<math><mi>x</mi></math>",
        "<style>p{}</style><p style=\"color:red\" onclick=\"x\">p</p>",
        "<h1 onmouseover=alert(1)>t</h1>",
    ],
)
def test_sanitize_html_is_the_last_gate(raw):
    """Even if Markdown ever let HTML through, the sanitizer alone stops it."""
    assert_clean(sanitize_html(raw))


def test_sanitize_html_keeps_allowed_markup():
    raw = '<p><a href="https://example.org" title="t">a</a> <img src="/media/c/x.svg" alt="x"></p>'
    assert sanitize_html(raw) == raw


# --- normal Markdown survives --------------------------------------------------------------


def test_normal_markdown_survives():
    text = (
        "# Tiêu đề lớn\n\n"
        "## Mục\n\n"
        "Chữ **đậm**, *nghiêng* và `mã`.\n\n"
        "- một\n- hai\n\n"
        "1. thứ nhất\n2. thứ hai\n\n"
        "| Cột A | Cột B |\n|---|---|\n| 1 | 2 |\n\n"
        "> **Ghi nhớ:** Giữ kín mật khẩu.\n\n"
        "```\nprint('xin chào')\n```\n"
    )
    out = render_markdown(text)
    assert "<h2>Tiêu đề lớn</h2>" in out  # h1 is demoted: the page owns the h1
    assert "<h1" not in out
    assert "<h2>Mục</h2>" in out
    assert "<strong>đậm</strong>" in out
    assert "<em>nghiêng</em>" in out
    assert "<code>mã</code>" in out
    assert "<ul>\n<li>một</li>\n<li>hai</li>\n</ul>" in out
    assert "<ol>\n<li>thứ nhất</li>\n<li>thứ hai</li>\n</ol>" in out
    assert "<table>" in out and "<th>Cột A</th>" in out and "<td>2</td>" in out
    assert "<blockquote>\n<p><strong>Ghi nhớ:</strong> Giữ kín mật khẩu.</p>\n</blockquote>" in out
    assert "<pre><code>print('xin chào')\n</code></pre>" in out


@pytest.mark.parametrize(
    ("markdown_link", "href"),
    [
        ("[a](http://example.org/x)", "http://example.org/x"),
        ("[a](https://moet.gov.vn/)", "https://moet.gov.vn/"),
        ("[a](mailto:hotro@example.org)", "mailto:hotro@example.org"),
        ("[a](#muc-1)", "#muc-1"),
    ],
)
def test_safe_links_are_kept(markdown_link, href):
    assert render_markdown(markdown_link) == f'<p><a href="{href}">a</a></p>'


def test_https_image_is_kept_with_lazy_loading():
    out = render_markdown("![hình](https://example.org/a.png)")
    [(tag, attrs)] = elements(out)[1:]
    assert tag == "img"
    assert dict(attrs) == {"src": "https://example.org/a.png", "alt": "hình", "loading": "lazy"}


def test_render_inline_drops_the_paragraph():
    assert render_inline("Chọn **một** đáp án?") == "Chọn <strong>một</strong> đáp án?"


def test_render_course_rewrites_relative_images_and_lesson_links():
    courses, problems = load_courses(FIXTURES)
    assert problems.errors == []
    course = next(c for c in courses if c.slug == "quiz-course")
    rendered = render_course(course)
    out = rendered.lessons["bai-mot"]
    digest = rendered.asset_hashes["images/lock.svg"]
    assert f'src="/media/quiz-course/images/lock.svg?v={digest[:10]}"' in out
    assert 'href="/courses/quiz-course/lessons/bai-hai"' in out
    assert "images/lock.svg\"" not in out  # no relative URL left
    assert_clean(out)
    assert [q.multiple for q in rendered.questions] == [False, True]
    assert rendered.questions[0].options == [("Có", False), ("Không", True)]
    assert rendered.intro_html == "<p>Giới thiệu khóa học <strong>mẫu</strong>.</p>"


# --- end to end: what a sync stores is clean ----------------------------------------------

# Payloads the validator lets through (it rejects javascript:/data: links outright).
STORED_PAYLOADS = "\n\n".join([
    "<script>alert('lesson')</script>",
    "Giữa câu <script>alert(2)</script> vẫn là chữ.",
    "<img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)><circle/></svg>",
    "<math><mi>x</mi></math>",
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">bấm</a>',
    "<javascript:alert(1)>",
    "[an toàn](https://example.org){onclick=alert(1)}",
    '<div onclick="alert(1)">khối</div>',
    "**Chữ đậm vẫn còn.**",
])


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_synced_html_is_clean(app, tmp_path):
    root = write_tree(tmp_path / "courses", {
        "doc-hai/course.md": (
            '---\ntitle: "Khóa độc hại"\naudience: [teacher]\ncompetencies: ["4.1"]\n---\n'
            "Giới thiệu <script>alert('intro')</script> <img src=x onerror=alert(1)>\n"
        ),
        "doc-hai/01-bai.md": '---\ntitle: "Bài <script>alert(1)</script>"\n---\n'
                             + STORED_PAYLOADS + "\n",
        "doc-hai/quiz.md": (
            "---\npass_score: 50\n---\n<iframe src=https://evil.example></iframe>\n\n"
            "### Câu <img src=x onerror=alert(1)> nào?\n\n"
            "- [x] <script>alert(1)</script> đúng\n"
            "- [ ] <svg onload=alert(1)> sai\n\n"
            "> Vì <style>*{}</style> <a href=\"javascript:alert(1)\">x</a>\n"
        ),
    })
    report = sync_courses(db.session, root)
    assert report.problems.errors == []
    assert report.added == ["doc-hai"]

    course = db.session.scalar(select(Course).where(Course.slug == "doc-hai"))
    [lesson] = db.session.scalars(select(Lesson).where(Lesson.course_id == course.id)).all()
    assert "<strong>Chữ đậm vẫn còn.</strong>" in lesson.html  # Markdown still renders
    assert '<a href="https://example.org">an toàn</a>' in lesson.html
    version = db.session.scalar(select(QuizVersion).where(QuizVersion.course_id == course.id))
    fragments = [course.intro_html, lesson.html, version.intro_html]
    for question in version.questions:
        fragments += [question.prompt_html, question.explanation_html]
        fragments += [option.html for option in question.options]
    assert len(fragments) == 7
    for fragment in fragments:
        assert_clean(fragment)
    # Titles are stored as plain text and escaped by the templates, never rendered as HTML.
    assert lesson.title == "Bài <script>alert(1)</script>"
