"""Vietnamese names for the demo's people: family name, middle name, given name."""

import random

FAMILY = "Nguyễn Trần Lê Phạm Hoàng Vũ Đỗ Bùi Đặng Ngô Đinh Phan Lương Mạc Hà Dương Lý Tô".split()
MIDDLE_BOY = "Văn Minh Đức Gia Quang Hoàng Thành Bảo Anh Hữu Xuân Trung".split()
MIDDLE_GIRL = "Thị Ngọc Thu Minh Bảo Phương Thanh Khánh Hồng Mai Thùy Hải".split()
GIVEN_BOY = (
    "An Bình Cường Dũng Duy Hải Hiếu Huy Khang Khoa Long Minh Nam Nghĩa Phúc Quân Sơn Tài Thắng "
    "Trung Tuấn Vinh Đạt Kiên Lâm Phong Tùng"
).split()
GIVEN_GIRL = (
    "An Anh Châu Chi Giang Hà Hạnh Hoa Hương Lan Linh Mai My Ngân Ngọc Nhung Quỳnh Thảo Trang "
    "Uyên Vy Yến Diệp Hằng Huyền Loan Nga"
).split()


def person_name(rng: random.Random, girl: bool | None = None, family: str | None = None) -> str:
    """A full name; `family` keeps a child's family name (the father's)."""
    girl = rng.random() < 0.5 if girl is None else girl
    middle = rng.choice(MIDDLE_GIRL if girl else MIDDLE_BOY)
    given = rng.choice(GIVEN_GIRL if girl else GIVEN_BOY)
    return f"{family or rng.choice(FAMILY)} {middle} {given}"
