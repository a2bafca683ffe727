"""Lessons read aloud (issue 17): a recording named in the front matter is checked, stored as a
course asset and played by a plain <audio>; without one, a hidden "Nghe đọc" button and its
small script."""

import io
import wave
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.content import audio
from lms.content.loader import load_courses
from lms.content.sync import sync_courses
from lms.extensions import db
from lms.models import CourseAsset, Lesson

ROOT = Path(__file__).resolve().parent.parent
COURSE = ('---\ntitle: "Khóa học nghe"\naudience: [primary]\ncompetencies: ["1.1"]\nminutes: 10\n'
          'summary: "Tóm tắt."\n---\nGiới thiệu.\n')


def wav(seconds: float = 0.1) -> bytes:
    """A short silent WAV, a real file any browser can play."""
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * int(8000 * seconds))
    return out.getvalue()


def write(root: Path, audio_line: str | None, files: dict[str, bytes] | None = None) -> Path:
    """Course `nghe`: lesson 01 has `audio_line` on line 3 of its front matter, lesson 02 none."""
    folder = root / "nghe"
    folder.mkdir(parents=True)
    (folder / "course.md").write_text(COURSE, encoding="utf-8")
    extra = f"{audio_line}\n" if audio_line is not None else ""
    (folder / "01-bai-mot.md").write_text(
        f'---\ntitle: "Bài một"\n{extra}---\nMèo con đi học.\n\nHọc chữ cái.\n', encoding="utf-8")
    (folder / "02-bai-hai.md").write_text(
        '---\ntitle: "Bài hai"\n---\nĐoạn thứ nhất.\n\n- Ý một\n- Ý hai\n', encoding="utf-8")
    for name, data in (files or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return root


def errors(root: Path) -> list[tuple[str, int, str]]:
    _, problems = load_courses(root)
    return [(p.path.name, p.line, p.message) for p in problems.errors]


class Elements(HTMLParser):
    """Every element's tag and attributes, in order."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict]:
        return [attrs for t, attrs in self.found if t == tag]


def test_audio_beside_the_lesson_or_in_a_folder_is_a_course_asset(tmp_path):
    for line, name in (("audio: bai-01.wav", "bai-01.wav"), ("audio: audio/bai 01.wav", "audio/bai 01.wav")):
        root = write(tmp_path / name.replace("/", "-"), line, {name: wav()})
        courses, problems = load_courses(root)
        assert not problems.errors, problems
        lesson = courses[0].lessons[0]
        assert lesson.audio == name and name in courses[0].assets
        assert courses[0].lessons[1].audio is None


@pytest.mark.parametrize(
    ("line", "files", "message"),
    [
        ("audio: bai-01.mp3", {}, "không tìm thấy tệp âm thanh `bai-01.mp3`"),
        ("audio: bai-01.mp4", {"bai-01.mp4": b"\0\0\0\x18ftypmp42"}, "loại tệp âm thanh không được hỗ trợ"),
        ("audio: bai-01.txt", {"bai-01.txt": b"xin chao"}, "loại tệp âm thanh không được hỗ trợ"),
        ("audio: bai-01.mp3", {"bai-01.mp3": b"<html>not a sound</html>"}, "không phải tệp âm thanh mp3"),
        ("audio: bai-01.ogg", {"bai-01.ogg": wav()}, "không phải tệp âm thanh ogg"),
        ("audio: ../bai-01.wav", {}, "nằm ngoài thư mục khóa học"),
        ("audio: https://example.com/bai-01.mp3", {}, "phải là tên một tệp trong thư mục khóa học"),
        ("audio:", {}, "`audio` không được để trống"),
    ],
    ids=["missing", "video", "text", "renamed-page", "wav-named-ogg", "outside", "other-host", "empty"],
)
def test_a_bad_audio_field_is_an_error_at_its_line(tmp_path, line, files, message):
    (tmp_path / "bai-01.wav").write_bytes(wav())  # outside the course folder
    root = write(tmp_path / "courses", line, files)
    found = errors(root)
    assert len(found) == 1 and found[0][:2] == ("01-bai-mot.md", 3), found
    assert message in found[0][2]


def test_an_audio_file_over_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(audio, "MAX_AUDIO_BYTES", 1000)
    root = write(tmp_path, "audio: bai-01.wav", {"bai-01.wav": wav(1)})
    [(name, line, message)] = errors(root)
    assert (name, line) == ("01-bai-mot.md", 3) and "quá lớn" in message


def test_every_allowed_type_is_recognised_by_its_first_bytes(tmp_path):
    heads = {"a.mp3": b"ID3\x04\0\0", "b.mp3": b"\xff\xfb\x90\x64", "c.m4a": b"\0\0\0\x20ftypM4A ",
             "d.ogg": b"OggS\0\x02", "e.opus": b"OggS\0\x02", "f.wav": wav()}
    for name, data in heads.items():
        root = write(tmp_path / name, f"audio: {name}", {name: data})
        assert errors(root) == [], name


def test_sync_stores_the_recording_and_forgets_it_when_the_line_goes(app, tmp_path):
    data = wav()
    root = write(tmp_path, "audio: audio/bai-01.wav", {"audio/bai-01.wav": data})
    assert not sync_courses(db.session, root).problems.errors
    asset = db.session.scalar(select(CourseAsset).where(CourseAsset.path == "audio/bai-01.wav"))
    assert asset.media_type == "audio/wav" and asset.data == data
    one, two = db.session.scalars(select(Lesson).order_by(Lesson.position))
    assert one.audio_url.startswith("/media/nghe/audio/bai-01.wav?v=") and two.audio_url is None

    (root / "nghe/01-bai-mot.md").write_text('---\ntitle: "Bài một"\n---\nMèo con.\n', encoding="utf-8")
    report = sync_courses(db.session, root)
    assert report.updated == ["nghe"]
    db.session.expire_all()
    assert db.session.get(Lesson, one.id).audio_url is None
    assert db.session.scalar(select(CourseAsset).where(CourseAsset.path == "audio/bai-01.wav")) is None


@pytest.fixture
def pupil_course(app, browser, factory, tmp_path):
    """The `nghe` course synced (lesson 01 with a recording) and a grade-2 pupil signed in."""
    root = write(tmp_path, "audio: audio/bai-01.wav", {"audio/bai-01.wav": wav()})
    assert not sync_courses(db.session, root).problems.errors
    factory.pupil(factory.classroom(grade=2), username="be.na")
    factory.commit()
    browser.login("be.na")
    return browser


def test_a_lesson_with_a_recording_has_a_player_that_serves_the_file(pupil_course, client):
    response = pupil_course.get("/courses/nghe/lessons/bai-mot")
    assert response.status_code == 200
    page = Elements(response.get_data(as_text=True))
    [player] = page.all("audio")
    assert "controls" in player and player["preload"] == "none"
    src = player["src"]
    assert src.startswith("/media/nghe/audio/bai-01.wav?v=")
    assert any(a.get("href") == src and "download" in a for a in page.all("a"))
    assert not page.all("button") or all("data-read-aloud" not in b for b in page.all("button"))
    assert not any("read-aloud.js" in s.get("src", "") for s in page.all("script"))

    media = client.get(src)
    assert media.status_code == 200 and media.mimetype == "audio/wav"
    assert media.get_data() == wav()


def test_the_recording_can_be_fetched_in_parts(pupil_course, client):
    """Safari on iPhones plays audio only from a server that answers byte ranges."""
    page = Elements(pupil_course.get("/courses/nghe/lessons/bai-mot").get_data(as_text=True))
    src = page.all("audio")[0]["src"]
    part = client.get(src, headers={"Range": "bytes=0-1"})
    assert part.status_code == 206 and part.get_data() == b"RI"
    assert part.headers["Content-Range"] == f"bytes 0-1/{len(wav())}"


def test_a_lesson_without_a_recording_has_the_hidden_read_aloud_button(pupil_course):
    pupil_course.post("/courses/nghe/lessons/bai-mot/done")
    response = pupil_course.get("/courses/nghe/lessons/bai-hai")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = Elements(html)
    assert page.all("audio") == []
    [button] = [b for b in page.all("button") if "data-read-aloud" in b]
    assert "hidden" in button and button["type"] == "button" and button["data-stop"] == "Dừng đọc"
    assert "Nghe đọc" in html
    [script] = [s for s in page.all("script") if "read-aloud.js" in s.get("src", "")]
    assert "defer" in script and script["src"].startswith("/static/read-aloud.js")


def test_the_read_aloud_script_is_small_and_only_on_lesson_pages(pupil_course, client):
    with client.get("/static/read-aloud.js") as script:
        assert script.status_code == 200 and len(script.get_data()) < 2048
    for url in ("/courses/nghe", "/"):
        response = pupil_course.get(url, follow_redirects=True)
        assert response.status_code == 200
        assert "read-aloud.js" not in response.get_data(as_text=True), url


def test_the_script_talks_to_no_other_host():
    source = (ROOT / "lms/static/read-aloud.js").read_text(encoding="utf-8")
    for word in ("fetch", "XMLHttpRequest", "sendBeacon", "http", "WebSocket", "import"):
        assert word not in source, word
