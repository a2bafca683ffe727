"""Markdown -> HTML -> sanitized HTML. Rendering happens at sync, never per request."""

import hashlib
import html as htmllib
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import bleach
import markdown

# Bump loader.RENDER_VERSION when what this module writes changes (it is part of each digest).
from lms.content.loader import LESSON_FILE, CourseSource, local_path

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "s",
        "del",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "img",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "sup",
        "sub",
        "abbr",
        "dl",
        "dt",
        "dd",
        "kbd",
        "mark",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": ["href", "title"],
    "img": ["src", "alt", "title", "width", "height", "loading"],
    "abbr": ["title"],
    "ol": ["start"],
    "th": ["colspan", "rowspan"],
    "td": ["colspan", "rowspan"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})

_URL_ATTR = re.compile(r'(<(?:a|img)\b[^>]*?\b(?:href|src)=")([^"]*)(")')
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")
    # Raw HTML in Markdown is shown as text, not passed on: authors write Markdown only.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def sanitize_html(html: str) -> str:
    """The one gate every stored HTML fragment goes through, always after rendering."""
    return bleach.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )


def render_markdown(text: str, url_for_target=None) -> str:
    """Render Markdown, point relative links where the app serves them, then sanitize."""
    html = _markdown().convert(text or "")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    if url_for_target is not None:
        # The attribute holds the target HTML-escaped (`a&amp;b.png`); the resolver gets it plain.
        html = _URL_ATTR.sub(
            lambda m: m.group(1) + htmllib.escape(url_for_target(htmllib.unescape(m.group(2)))) + m.group(3),
            html,
        )
    html = html.replace("<img ", '<img loading="lazy" ')
    return sanitize_html(html)


def render_inline(text: str) -> str:
    """One line of Markdown (a question or an option) without its surrounding paragraph."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


@dataclass
class RenderedQuestion:
    prompt_html: str
    explanation_html: str
    multiple: bool
    options: list[tuple[str, bool]]


@dataclass
class RenderedCourse:
    source: CourseSource
    intro_html: str
    lessons: dict[str, str] = field(default_factory=dict)  # lesson slug -> html
    audio: dict[str, str] = field(default_factory=dict)  # lesson slug -> /media/ URL of its recording
    quiz_intro_html: str = ""
    questions: list[RenderedQuestion] = field(default_factory=list)
    asset_hashes: dict[str, str] = field(default_factory=dict)


def render_course(course: CourseSource, media_prefix: str = "/media") -> RenderedCourse:
    hashes = {rel: hashlib.sha256(path.read_bytes()).hexdigest() for rel, path in course.assets.items()}

    def resolve(base):
        def url_for_target(target: str) -> str:
            if _SCHEME.match(target) or target.startswith(("#", "/")) or not target:
                return target
            anchor = target.partition("#")[2]
            try:
                path = (base / local_path(target)).resolve().relative_to(course.folder.resolve()).as_posix()
            except ValueError:  # outside the course: the validator reports it
                return "#"
            lesson = LESSON_FILE.match(path)
            if lesson:
                return f"/courses/{course.slug}/lessons/{lesson.group(2)}" + (f"#{anchor}" if anchor else "")
            version = hashes.get(path, "")[:10]
            return f"{media_prefix}/{course.slug}/{quote(path)}?v={version}"

        return url_for_target

    folder_resolver = resolve(course.folder)
    rendered = RenderedCourse(
        source=course,
        intro_html=render_markdown(course.intro, folder_resolver),
        asset_hashes=hashes,
    )
    for lesson in course.lessons:
        rendered.lessons[lesson.slug] = render_markdown(lesson.body, resolve(lesson.path.parent))
        if lesson.audio:
            rendered.audio[lesson.slug] = folder_resolver(quote(lesson.audio))
    if course.quiz:
        rendered.quiz_intro_html = render_markdown(course.quiz.intro, folder_resolver)
        for q in course.quiz.questions:
            prompt = render_inline(q.heading)
            if q.details:
                prompt = f"<p>{prompt}</p>" + render_markdown(q.details, folder_resolver)
            rendered.questions.append(
                RenderedQuestion(
                    prompt_html=prompt,
                    explanation_html=render_markdown(q.explanation, folder_resolver),
                    multiple=q.multiple,
                    options=[(render_inline(o.text), o.correct) for o in q.options],
                )
            )
    return rendered
