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
# The 24 components of Thông tư 02/2025/TT-BGDĐT, each under its own name (not its area's).
COMPONENT_NAMES = {
    "1.1": "Duyệt, tìm kiếm và lọc dữ liệu, thông tin và nội dung số",
    "1.2": "Đánh giá dữ liệu, thông tin và nội dung số",
    "1.3": "Quản lý dữ liệu, thông tin và nội dung số",
    "2.1": "Tương tác thông qua công nghệ số",
    "2.2": "Chia sẻ thông tin và nội dung thông qua công nghệ số",
    "2.3": "Sử dụng công nghệ số để thực hiện trách nhiệm công dân",
    "2.4": "Hợp tác thông qua công nghệ số",
    "2.5": "Quy tắc ứng xử trên mạng",
    "2.6": "Quản lý danh tính số",
    "3.1": "Phát triển nội dung số",
    "3.2": "Tích hợp và tạo lập lại nội dung số",
    "3.3": "Thực thi bản quyền và giấy phép",
    "3.4": "Lập trình",
    "4.1": "Bảo vệ thiết bị",
    "4.2": "Bảo vệ dữ liệu cá nhân và quyền riêng tư",
    "4.3": "Bảo vệ sức khỏe và an sinh số",
    "4.4": "Bảo vệ môi trường",
    "5.1": "Giải quyết các vấn đề kỹ thuật",
    "5.2": "Xác định nhu cầu và giải pháp công nghệ",
    "5.3": "Sử dụng sáng tạo công nghệ số",
    "5.4": "Xác định các vấn đề cần cải thiện về năng lực số",
    "6.1": "Hiểu biết về trí tuệ nhân tạo",
    "6.2": "Sử dụng trí tuệ nhân tạo",
    "6.3": "Đánh giá trí tuệ nhân tạo",
}
TIER_NAMES = {
    "primary": "Tiểu học",
    "lower-secondary": "THCS",
    "teacher": "Giáo viên",
    "parent": "Phụ huynh",
    "official": "Cán bộ phường/xã",
}


def component_label(code: str) -> str:
    """The component's own name, then its area's: "Lập trình (lĩnh vực Sáng tạo nội dung số)"."""
    return f"{COMPONENT_NAMES[code]} (lĩnh vực {AREA_NAMES[code.split('.')[0]]})"


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
    lines += [f"- {code} {component_label(code)}" for code in uncovered] or ["- (không có)"]
    lines += ["", "## Khóa học theo nhóm", ""]
    for tier in AUDIENCES:
        lines.append(f"### {TIER_NAMES[tier]}")
        lines.append("")
        for c in sorted((c for c in courses if tier in c.audience), key=lambda c: c.slug):
            flag = " (bắt buộc)" if c.required else ""
            lines.append(f"- `{c.slug}` — {c.title}{flag}: {', '.join(c.competencies)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
