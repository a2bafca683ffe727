"""`flask --app lms roster import FILE`: units, schools, pupils, staff, officials and the
villages' household lists from a CSV or XLSX file. The command line is the server's operator:
no unit scope bounds it."""

from pathlib import Path

import click
from flask.cli import AppGroup

from lms import security_log
from lms.db_setup import writes
from lms.extensions import db
from lms.people.roster import RosterError, import_roster

roster_cli = AppGroup(
    "roster", help="Nhập danh sách đơn vị, trường, học sinh, cán bộ, hộ gia đình (CSV hoặc XLSX)."
)


@roster_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra và báo những gì sẽ thay đổi.")
@click.option(
    "--year",
    "school_year",
    metavar="YYYY-YYYY",
    help="Năm học của các lớp (mặc định: năm học hiện tại).",
)
@click.option(
    "--unit",
    "unit_code",
    metavar="MÃ",
    help=(
        "Mã phường/xã của các dòng không có cột Mã đơn vị (danh sách trường, danh sách cán bộ "
        "phường/xã, danh sách hộ gia đình); với danh sách học sinh, cán bộ trường: chỉ tìm trường "
        "của phường/xã này."
    ),
)
@click.option(
    "--school",
    "school_code",
    metavar="MÃ",
    help="Mã trường của danh sách học sinh không có cột Mã trường (tệp của một lớp, một trường).",
)
@writes
def roster_import(
    file: Path, dry_run: bool, school_year: str | None, unit_code: str | None, school_code: str | None
) -> None:
    """Import FILE: a list of units (city, wards, communes), of schools, of pupils (with
    guardians; kindergarten children too), of school staff, of a unit's officials or of the
    households of its villages (thôn, tổ dân phố).

    All or nothing: if any row has an error, every error is printed and nothing is saved.
    Importing the same file again changes nothing."""
    try:
        report = import_roster(
            db.session,
            file.read_bytes(),
            file.name,
            dry_run=dry_run,
            school_year=school_year,
            unit_code=unit_code,
            school_code=school_code,
        )
    except RosterError as exc:
        click.echo(f"Lỗi: {exc}", err=True)
        raise SystemExit(1) from exc
    security_log.event("roster.import", by="cli", file=file.name, **security_log.import_fields(report))
    if report.ignored:
        click.echo("Bỏ qua các cột (không lưu): " + ", ".join(report.ignored))
    if report.errors:
        for error in report.errors:
            click.echo(str(error), err=True)
        click.echo(report.summary(), err=True)
        raise SystemExit(1)
    for line in report.details:
        click.echo(f"  {line}")
    click.echo(report.summary())
