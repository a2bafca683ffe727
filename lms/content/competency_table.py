"""The competency table of the curriculum: which course covers which component, per tier."""

from lms.content.loader import COMPETENCIES, CourseSource
from lms.models.content import AUDIENCES

AREA_NAMES = {
    "1": "Khai thác dữ liệu và thông tin",
    "2": "Giao tiếp và hợp tác trong môi trường số",
    "3": "Sáng tạo nội dung số",
    "4": "An toàn",
    "5": "Giải quyết vấn đề",
    "6": "Ứng dụng trí tuệ nhân tạo",
}
TIER_NAMES = {
    "primary": "Tiểu học",
    "lower-secondary": "THCS",
    "teacher": "Giáo viên",
    "parent": "Phụ huynh",
    "official": "Cán bộ phường/xã",
}


def _order(code: str) -> tuple[int, int]:
    area, part = code.split(".")
    return int(area), int(part)


def competency_table(courses: list[CourseSource]) -> str:
    """Markdown: one row per component, one column per tier listing the courses' slugs."""
    lines = [
        "# Bảng năng lực số của chương trình học",
        "",
        "Sinh tự động bởi `flask --app lms courses competencies` từ thư mục `courses/` "
        "(mã thành phần theo Thông tư 02/2025/TT-BGDĐT). Ô trống: chưa có khóa học nào của "
        "nhóm đó dạy thành phần này.",
        "",
        "| mã | " + " | ".join(TIER_NAMES[t] for t in AUDIENCES) + " |",
        "|---|" + "---|" * len(AUDIENCES),
    ]
    uncovered = []
    for code in sorted(COMPETENCIES, key=_order):
        cells = []
        for tier in AUDIENCES:
            slugs = sorted(c.slug for c in courses if code in c.competencies and tier in c.audience)
            cells.append("<br>".join(f"`{s}`" for s in slugs))
        if not any(cells):
            uncovered.append(code)
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    lines += ["", "## Chưa khóa học nào dạy", ""]
    lines += [f"- {code} ({AREA_NAMES[code.split('.')[0]]})" for code in uncovered] or ["- (không có)"]
    lines += ["", "## Khóa học theo nhóm", ""]
    for tier in AUDIENCES:
        lines.append(f"### {TIER_NAMES[tier]}")
        lines.append("")
        for c in sorted((c for c in courses if tier in c.audience), key=lambda c: c.slug):
            flag = " (bắt buộc)" if c.required else ""
            lines.append(f"- `{c.slug}` — {c.title}{flag}: {', '.join(c.competencies)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
