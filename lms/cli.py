"""Operator commands: `flask --app lms <group> <command>`."""

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from lms import security_log
from lms.content.loader import load_courses
from lms.content.problems import Problem
from lms.content.quality import course_warnings
from lms.content.sync import sync_courses
from lms.db_setup import writes
from lms.extensions import db

courses_cli = AppGroup("courses", help="Validate and store the Markdown courses.")
users_cli = AppGroup("users", help="Manage accounts.")


def _shown(problem: Problem) -> str:
    try:
        path = Path(problem.path).resolve().relative_to(Path.cwd())
    except ValueError:
        path = problem.path
    return str(Problem(path, problem.line, problem.message, problem.warning))


def _root(path: str | None) -> Path:
    return Path(path) if path else Path(current_app.config["COURSES_DIR"])


@courses_cli.command("check")
@click.argument("path", required=False)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def courses_check(path: str | None, strict: bool) -> None:
    """Validate every course under PATH (default: courses/) without touching the database."""
    courses, problems = load_courses(_root(path))
    problems.extend(course_warnings(courses))
    for problem in problems:
        click.echo(_shown(problem), err=True)
    failed = bool(problems.errors) or (strict and bool(problems.warnings))
    click.echo(
        f"{len(courses)} khóa học hợp lệ; {len(problems.errors)} lỗi, {len(problems.warnings)} cảnh báo."
    )
    if failed:
        raise SystemExit(1)


@courses_cli.command("competencies")
@click.argument("path", required=False)
def courses_competencies(path: str | None) -> None:
    """Print the competency table (Markdown) of the courses under PATH."""
    from lms.content.competency_table import competency_table

    courses, problems = load_courses(_root(path))
    if problems.errors:
        raise click.ClickException("Các khóa học còn lỗi: chạy `courses check` trước.")
    click.echo(competency_table(courses), nl=False)


@courses_cli.command("sync")
@click.argument("path", required=False)
@writes
def courses_sync(path: str | None) -> None:
    """Validate, then store every course under PATH. All or nothing; safe to repeat."""
    report = sync_courses(db.session, _root(path))
    for problem in report.problems:
        click.echo(_shown(problem), err=True)
    if report.problems.errors:
        click.echo("Có lỗi: không lưu thay đổi nào.", err=True)
        raise SystemExit(1)
    for label, slugs in (
        ("thêm mới", report.added),
        ("cập nhật", report.updated),
        ("ngừng dùng", report.retired),
    ):
        for slug in slugs:
            click.echo(f"  {label}: {slug}")
    click.echo(report.summary())


@users_cli.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--name", "full_name", prompt="Họ và tên")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    default=lambda: os.environ.get("LMS_ADMIN_PASSWORD"),
)
@click.option("--unit", "unit_code", help="The ward's or commune's code (several units in one deployment).")
@click.option("--city", is_flag=True, help="The city admin: sees every ward and commune.")
@writes
def create_admin(username: str, full_name: str, password: str, unit_code: str | None, city: bool) -> None:
    """Create a ward or commune admin (or, with --city, the city admin)."""
    from lms.people.accounts_admin import create_ward_admin

    try:
        user = create_ward_admin(db.session, username, full_name, password, unit_code, city)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    security_log.event("account.created", by="cli", account=user.id, role=user.role)
    who = "quản trị thành phố" if city else "quản trị phường/xã"
    where = f" ({user.unit.name})" if user.unit else ""
    click.echo(f"Đã tạo {who}: {user.username}{where}")


demo_cli = AppGroup("demo", help="Demo data for trying the platform.")


@demo_cli.command("load")
@writes
def demo_load() -> None:
    """Load the demo city (refuses on a database that already holds real data)."""
    from lms.demo import DEMO_PASSWORD, DEMO_PIN, DemoRefused, load_demo
    from lms.learning import certificates

    try:
        result = load_demo(db.session)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    if result["status"] == "already":
        click.echo("Dữ liệu mẫu đã có sẵn.")
        return
    issued = certificates.issue_missing(db.session)  # the demo's completions are bulk-inserted
    db.session.commit()
    click.echo(
        f"Đã nạp thành phố mẫu {result['city']} ({', '.join(result['units'])}): "
        f"{result['pupils']} học sinh, {result['children']} trẻ mầm non, {result['parents']} phụ huynh, "
        f"{result['staff']} cán bộ, giáo viên, nhân viên, {result['officials']} cán bộ, công chức "
        f"phường/xã; {issued} chứng nhận. Mật khẩu các tài khoản mẫu: {DEMO_PASSWORD}.\n"
        f"Thẻ lớp: lớp 3A Trường Tiểu học Kim Đồng, mã lớp THKD3A; trong bản mẫu, mỗi học sinh "
        f"lớp này có PIN {DEMO_PIN} (các lớp khác chưa có PIN). Ở lớp thật, mỗi học sinh có PIN "
        f"riêng, in trên thẻ đăng nhập; khi giáo viên xác nhận cấp PIN mới, PIN cũ hết hiệu lực."
    )


report_cli = AppGroup("report", help="The campaign's periodic report.")


@report_cli.command("coverage")
@click.option("--as-of", "as_of", help="YYYY-MM-DD (default: today)")
@click.option("--school", "school_code", help="Only this school's code.")
@click.option("--unit", "unit_code", help="The ward's or commune's code (several units in one deployment).")
@click.option("--city", is_flag=True, help="The whole city: every ward and commune under its own plan.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False), help="File to write (default: stdout).")
def report_coverage(
    as_of: str | None,
    school_code: str | None,
    unit_code: str | None,
    city: bool,
    fmt: str,
    output: str | None,
):
    """Coverage against the plan's targets, per school and for the ward or commune (--unit),
    or per ward and commune and for the city (--city). The same file as the web download."""
    from datetime import date

    from sqlalchemy import select

    from lms.campaign import report
    from lms.models import School, Unit
    from lms.people.units import local_units

    if unit_code and city:
        raise click.ClickException("Chọn --unit hoặc --city, không dùng cả hai.")
    if city and school_code:
        raise click.ClickException("--school không dùng cùng --city (dùng --unit).")
    if fmt == "xlsx" and not output:
        raise click.ClickException("Định dạng xlsx cần --output FILE.")
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError as exc:
        raise click.ClickException(f"--as-of phải có dạng YYYY-MM-DD: {as_of}") from exc
    unit_id = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None or unit.is_city:
            hint = " Với thành phố, dùng --city." if unit is not None else ""
            raise click.ClickException(f"Không có phường/xã mã {unit_code}.{hint}")
        unit_id = unit.id
    if school_code:
        school = db.session.scalar(select(School).where(School.code == school_code))
        if school is None:
            raise click.ClickException(f"Không có trường mã {school_code}.")
        if unit_id is not None and school.unit_id != unit_id:
            raise click.ClickException(f"Trường mã {school_code} không thuộc phường/xã {unit_code}.")
    if not (unit_code or city or school_code):
        units = local_units(db.session)
        if len(units) > 1:
            codes = ", ".join(u.code for u in units)
            raise click.ClickException(
                f"Có {len(units)} phường/xã ({codes}): chọn --unit MÃ cho một đơn vị hoặc --city."
            )
    try:
        data, _name = report.build(
            db.session, fmt, unit_id=unit_id, city=city, as_of=day, school_code=school_code
        )
    except report.NoCampaign as exc:
        raise click.ClickException(str(exc)) from exc
    if output:
        Path(output).write_bytes(data)
        click.echo(f"Đã ghi {output}")
    else:
        click.echo(data.decode("utf-8-sig"))


@report_cli.command("refresh")
@click.option("--schools", is_flag=True, help="Also every school's page.")
def report_refresh(schools: bool):
    """Compute today's dashboard figures now, so that no viewer waits for them: every ward's and
    commune's under its current plan, and the city's. Run it from cron more often than
    METRICS_LIVE_SECONDS (see docs/operations.md)."""
    import time

    from sqlalchemy import select

    from lms.campaign import metrics, snapshots
    from lms.campaign import trend as trends
    from lms.models import School
    from lms.models.base import today_in_vietnam
    from lms.people.units import local_units, the_city

    plans = [(u, metrics.current_campaign(db.session, u.id)) for u in local_units(db.session)]
    plans = [(u, c) for u, c in plans if c is not None]
    city = the_city(db.session)
    city_plan = metrics.current_campaign(db.session, city.id) if city else None
    if not plans and city_plan is None:
        raise click.ClickException("Chưa có đợt phong trào (campaign) nào.")
    started = time.perf_counter()
    count = 0
    with snapshots.refreshing():
        for campaign in [c for _u, c in plans] + ([city_plan] if city_plan else []):
            report = metrics.unit_report(db.session, campaign)
            trends.trend(db.session, campaign, report.as_of, report=report)
            trends.competencies(db.session, campaign, report.as_of)
            if schools and campaign is not city_plan:
                for school in db.session.scalars(select(School).where(School.unit_id == campaign.unit_id)):
                    result, _ = metrics.school_report(db.session, campaign, school, report.as_of)
                    trends.trend(db.session, campaign, report.as_of, school.id, report=result)
                    trends.competencies(db.session, campaign, report.as_of, school.id)
                    count += 1
    if len(plans) == 1 and city_plan is None:
        done = ["toàn phường"]
    else:
        done = [f"{len(plans)} phường/xã"] + (["toàn thành phố"] if city_plan else [])
    if schools:
        done.append(f"{count} trường")
    click.echo(
        f"Đã tính số liệu ngày {today_in_vietnam():%d/%m/%Y}: {' và '.join(done)}, "
        f"{time.perf_counter() - started:.1f} giây."
    )


def _plans_in_scope(unit_code: str | None, city: bool) -> list:
    """The plans `report verify` checks: one unit's, the city's and all its units', or (a
    deployment of one ward, or no option) every plan."""
    from sqlalchemy import select

    from lms.models import Campaign, Unit
    from lms.people.units import local_units

    if unit_code and city:
        raise click.ClickException("Chọn --unit hoặc --city, không dùng cả hai.")
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise click.ClickException(f"Không có đơn vị mã {unit_code}.")
        return list(db.session.scalars(select(Campaign).where(Campaign.unit_id == unit.id)))
    if city:
        from lms.people.units import the_city

        top = the_city(db.session)
        if top is None:
            raise click.ClickException("Chưa có thành phố nào (đơn vị loại city).")
        ids = [top.id] + [u.id for u in local_units(db.session, top.id)]
        return list(db.session.scalars(select(Campaign).where(Campaign.unit_id.in_(ids))))
    return list(db.session.scalars(select(Campaign)))


@report_cli.command("verify")
@click.option("--unit", "unit_code", help="Only this ward's or commune's plans.")
@click.option("--city", is_flag=True, help="The city's plan and every ward's and commune's.")
def report_verify(unit_code: str | None, city: bool):
    """Recompute the coverage counts from the raw rows and compare them with the counts kept
    as the data changes; print every difference and exit 1 if there is any."""
    import time

    from lms.campaign.verify import verify

    plans = _plans_in_scope(unit_code, city)
    started = time.perf_counter()
    problems = verify(db.session, plans)
    db.session.rollback()
    for line in problems:
        click.echo(line)
    took = time.perf_counter() - started
    if problems:
        click.echo(f"Có {len(problems)} khác biệt ({len(plans)} kế hoạch, {took:.1f} giây).", err=True)
        raise SystemExit(1)
    click.echo(f"Khớp: {len(plans)} kế hoạch, không có khác biệt ({took:.1f} giây).")


@report_cli.command("rebuild")
def report_rebuild():
    """Compute every kept coverage count again from the raw rows (after loading data
    without the application, e.g. a bulk load or a restored dump)."""
    import time

    from lms.campaign import tally

    started = time.perf_counter()
    stored = tally.rebuild(db.session)
    db.session.commit()
    click.echo(f"Đã tính lại số liệu: {stored} phần đóng góp, {time.perf_counter() - started:.1f} giây.")


@click.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(file: Path | None) -> None:
    """Consistent copy of the live SQLite database (safe while the app serves)."""
    from lms.backup import BackupError, backup

    try:
        target = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], file, Path(current_app.instance_path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã sao lưu vào {target}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite a database that already holds data.")
def restore_command(file: Path, force: bool) -> None:
    """Restore a backup made by `flask backup` (refuses a non-empty database without --force)."""
    from lms.backup import BackupError, restore

    db.session.remove()
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], file, force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã khôi phục từ {file}")


certificates_cli = AppGroup("certificates", help="Certificates of completed courses.")


@certificates_cli.command("issue-missing")
@writes
def certificates_issue_missing() -> None:
    """Issue the certificates due for completions recorded before certificates existed (or
    brought in by an import), and the tier certificates now due."""
    from lms.learning import certificates

    issued = certificates.issue_missing(db.session)
    db.session.commit()
    click.echo(f"Đã cấp {issued} chứng nhận.")


def register(app: Flask) -> None:
    from lms.cli_privacy import privacy_cli
    from lms.cli_roster import roster_cli

    app.cli.add_command(roster_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(report_cli)
    app.cli.add_command(courses_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(certificates_cli)
