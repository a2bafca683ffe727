"""`flask --app lms privacy ...`: what the platform does with personal data on an operator's
command (docs/privacy.md). The command line is the server's operator: no unit scope bounds it.

- `erase`: one person's identifying data, at their request (lms.people.erasure);
- `retire`: the pupils and families of campaigns ended before a date (the retention rule).
Other commands of this group (the access log's retention) are added at the end of the file.
"""

from datetime import date

import click
from flask.cli import AppGroup

from lms import security_log
from lms.db_setup import writes
from lms.extensions import db
from lms.models.base import today_in_vietnam

privacy_cli = AppGroup("privacy", help="Dữ liệu cá nhân: xóa theo yêu cầu, ẩn danh khi hết thời hạn lưu.")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.ClickException(f"{option} phải có dạng YYYY-MM-DD: {value}") from exc


# --- erase and retire ---------------------------------------------------------------------------

@privacy_cli.command("erase")
@click.option("--user", "user_id", type=int, help="Số định danh (id) của tài khoản.")
@click.option("--phone", help="Số điện thoại của tài khoản.")
@click.option("--student-code", "student_code", help="Mã học sinh.")
@click.option("--yes", is_flag=True, help="Không hỏi xác nhận.")
@writes
def erase_command(user_id: int | None, phone: str | None, student_code: str | None, yes: bool) -> None:
    """Xóa dữ liệu định danh của một người (tên, số điện thoại, tên đăng nhập, mã học sinh, ngày
    sinh, mật khẩu, PIN), giữ các dòng ẩn danh mà số liệu phong trào dựa vào. Không hoàn tác được."""
    from lms.people.erasure import erase, find_person, is_erased
    from lms.people.phones import normalize_phone

    if sum(v is not None for v in (user_id, phone, student_code)) != 1:
        raise click.ClickException("Chọn đúng một trong --user, --phone, --student-code.")
    if phone is not None:
        phone = normalize_phone(phone) or phone
    person = find_person(db.session, user_id=user_id, phone=phone, student_code=student_code)
    if person is None:
        raise click.ClickException("Không tìm thấy tài khoản này.")
    if is_erased(person):
        click.echo(f"Tài khoản #{person.id} đã được xóa dữ liệu định danh trước đây.")
        return
    if not yes:
        click.confirm(
            f"Xóa dữ liệu định danh của tài khoản #{person.id} ({person.role}, {person.full_name})? "
            "Không hoàn tác được.",
            abort=True,
        )
    erase(db.session, person)
    db.session.commit()
    security_log.event("account.erased", by="cli", account=person.id, role=person.role)
    click.echo(f"Đã xóa dữ liệu định danh của tài khoản #{person.id}; số liệu phong trào giữ nguyên.")


@privacy_cli.command("retire")
@click.option("--before", "before", required=True, metavar="YYYY-MM-DD", help="Ngày mốc (không sau hôm nay).")
@click.option("--dry-run", is_flag=True, help="Chỉ đếm, không thay đổi gì.")
@click.option("--yes", is_flag=True, help="Không hỏi xác nhận.")
@writes
def retire_command(before: str, dry_run: bool, yes: bool) -> None:
    """Ẩn danh học sinh mà mọi lần xếp lớp và mọi đợt phong trào của phường/xã đã kết thúc trước
    ngày mốc, và phụ huynh của các em khi không còn con nào được giữ (docs/privacy.md)."""
    from lms.people.erasure import erase_many, retirable

    day = _day(before, "--before")
    if day > today_in_vietnam():
        raise click.ClickException("--before không được sau hôm nay.")
    chosen = retirable(db.session, day)
    counts = f"{len(chosen.pupils)} học sinh, {len(chosen.guardians)} phụ huynh"
    if dry_run:
        click.echo(f"Sẽ ẩn danh: {counts} (chạy thử, chưa thay đổi gì).")
        return
    if not (chosen.pupils or chosen.guardians):
        click.echo("Không có ai cần ẩn danh.")
        return
    if not yes:
        click.confirm(f"Ẩn danh {counts}? Không hoàn tác được.", abort=True)
    erase_many(db.session, chosen.pupils + chosen.guardians)
    db.session.commit()
    security_log.event(
        "account.retired", by="cli", before=day.isoformat(), pupils=len(chosen.pupils),
        guardians=len(chosen.guardians),
    )
    click.echo(f"Đã ẩn danh: {counts}; số liệu phong trào giữ nguyên.")


# --- more commands of this group (e.g. purge-log, the access log's retention) go below ----------
