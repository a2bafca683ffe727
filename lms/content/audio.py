"""A lesson's recorded reading: `audio: bai-01.mp3` in its front matter names a file in the
course folder, stored and served like an image (a CourseAsset under /media/)."""

from pathlib import Path

from lms.content.frontmatter import Document, get_str
from lms.content.problems import Problems

AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",  # Opus in an Ogg container, as recorders save it
    ".wav": "audio/wav",
}
# A ten-minute reading is about 5 MB at 64 kbit/s, plenty for a voice; the file sits in the
# database and a pupil's phone may download it on mobile data.
MAX_AUDIO_BYTES = 10 * 1024 * 1024


def _looks_like(suffix: str, head: bytes) -> bool:
    """The first bytes agree with the name: a renamed video or document is refused."""
    if suffix == ".mp3":
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if suffix == ".m4a":
        return head[4:8] == b"ftyp"
    if suffix in (".ogg", ".opus"):
        return head.startswith(b"OggS")
    return head.startswith(b"RIFF") and head[8:12] == b"WAVE"


def check_audio(path: Path, line: int, target: str, folder: Path, problems: Problems) -> str | None:
    """The file's path relative to the course folder, or None (and an error at path:line)."""
    if "://" in target or target.startswith(("/", "\\")) or ":" in target.split("/", 1)[0]:
        problems.error(path, line, f"`audio` phải là tên một tệp trong thư mục khóa học: `{target[:60]}`")
        return None
    folder = folder.resolve()
    file = (path.parent / target).resolve()
    if folder not in file.parents:
        problems.error(path, line, f"tệp âm thanh `{target}` nằm ngoài thư mục khóa học")
        return None
    if not file.is_file():
        problems.error(path, line, f"không tìm thấy tệp âm thanh `{target}`")
        return None
    suffix = file.suffix.lower()
    if suffix not in AUDIO_TYPES:
        allowed = ", ".join(AUDIO_TYPES)
        problems.error(path, line, f"loại tệp âm thanh không được hỗ trợ: `{target}` (chỉ dùng: {allowed})")
        return None
    size = file.stat().st_size
    if size > MAX_AUDIO_BYTES:
        problems.error(
            path, line, f"tệp âm thanh `{target}` quá lớn (tối đa {MAX_AUDIO_BYTES // (1024 * 1024)} MB)"
        )
        return None
    with file.open("rb") as f:
        head = f.read(12)
    if not _looks_like(suffix, head):
        problems.error(path, line, f"tệp `{target}` không phải tệp âm thanh {suffix[1:]} hợp lệ")
        return None
    return file.relative_to(folder).as_posix()


def lesson_audio(doc: Document, folder: Path, assets: dict[str, Path], problems: Problems) -> str | None:
    """The recording a lesson's `audio` names, added to the course's assets; None if refused."""
    target = get_str(doc, "audio", problems, required=True)
    if not target:
        return None
    rel = check_audio(doc.path, doc.fields["audio"].line, target, folder, problems)
    if rel:
        assets[rel] = folder.resolve() / rel
    return rel
