"""Reading a course file: strict UTF-8, NFC text, YAML front matter with line numbers."""

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lms.content.problems import Problems


@dataclass
class Field:
    value: Any
    line: int


@dataclass
class Document:
    path: Path
    fields: dict[str, Field] = field(default_factory=dict)
    front_line: int = 1  # line of the opening ---
    body: str = ""
    body_line: int = 1  # file line of the body's first line


def read_text(path: Path, problems: Problems) -> str | None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.error(path, line, "tệp không phải UTF-8 (hãy lưu lại với bảng mã UTF-8)")
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        problems.error(path, 1, "tệp rỗng")
        return None
    return unicodedata.normalize("NFC", text)


def _plain(node: yaml.Node) -> Any:
    return yaml.SafeLoader(  # a throwaway loader just to construct one node
        ""
    ).construct_object(node, deep=True)


def read_document(path: Path, problems: Problems) -> Document | None:
    """A Markdown file with front matter between two `---` lines."""
    text = read_text(path, problems)
    if text is None:
        return None
    lines = text.split("\n")
    if lines[0].strip() != "---":
        problems.error(path, 1, "thiếu phần đầu (front matter): dòng đầu tiên phải là ---")
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.error(path, 1, "phần đầu mở bằng --- nhưng không có dòng --- để đóng")
        return None
    doc = Document(path=path, body="\n".join(lines[end + 1 :]), body_line=end + 2)
    source = "\n".join(lines[1:end])
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.error(path, line, f"YAML không hợp lệ: {reason}")
        return None
    if node is None:
        return doc
    if not isinstance(node, yaml.MappingNode):
        problems.error(path, 2, "phần đầu phải là các dòng `khóa: giá trị`")
        return None
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 2
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            problems.error(path, line, "khóa không hợp lệ")
            continue
        if key in doc.fields:
            problems.error(path, line, f"khóa `{key}` bị lặp lại")
            continue
        try:
            value = _plain(value_node)
        except yaml.YAMLError as exc:
            problems.error(path, line, f"giá trị của `{key}` không đọc được: {exc}")
            continue
        doc.fields[key] = Field(value, line)
    return doc


def check_keys(doc: Document, allowed: set[str], problems: Problems) -> None:
    for key, fld in doc.fields.items():
        if key not in allowed:
            expected = ", ".join(sorted(allowed))
            problems.error(doc.path, fld.line, f"khóa không được hỗ trợ `{key}` (chỉ dùng: {expected})")


def get_str(doc: Document, key: str, problems: Problems, *, required: bool = False, default: str = "") -> str:
    fld = doc.fields.get(key)
    if fld is None:
        if required:
            problems.error(doc.path, doc.front_line, f"thiếu `{key}`")
        return default
    if fld.value is None:
        if required:
            problems.error(doc.path, fld.line, f"`{key}` không được để trống")
        return default
    if not isinstance(fld.value, str | int | float) or isinstance(fld.value, bool):
        problems.error(doc.path, fld.line, f"`{key}` phải là một đoạn chữ")
        return default
    value = str(fld.value).strip()
    if required and not value:
        problems.error(doc.path, fld.line, f"`{key}` không được để trống")
    return value


def get_int(doc: Document, key: str, problems: Problems, *, default: int, low: int, high: int) -> int:
    fld = doc.fields.get(key)
    if fld is None:
        return default
    if not isinstance(fld.value, int) or isinstance(fld.value, bool):
        problems.error(doc.path, fld.line, f"`{key}` phải là một số nguyên")
        return default
    if not low <= fld.value <= high:
        problems.error(doc.path, fld.line, f"`{key}` phải nằm trong khoảng {low}-{high}")
        return default
    return fld.value


def get_bool(doc: Document, key: str, problems: Problems, *, default: bool) -> bool:
    fld = doc.fields.get(key)
    if fld is None:
        return default
    if not isinstance(fld.value, bool):
        problems.error(doc.path, fld.line, f"`{key}` phải là true hoặc false")
        return default
    return fld.value


def get_str_list(doc: Document, key: str, problems: Problems) -> tuple[list[str], int]:
    """A list of short strings; a single value is taken as a list of one."""
    fld = doc.fields.get(key)
    if fld is None:
        return [], doc.front_line
    if fld.value is None:
        return [], fld.line
    values = fld.value if isinstance(fld.value, list) else [fld.value]
    out = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            problems.error(doc.path, fld.line, f"`{key}` phải là một danh sách các giá trị")
            return [], fld.line
        out.append(str(value).strip())
    return out, fld.line
