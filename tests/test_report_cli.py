"""`flask report coverage`: the periodic report from the command line."""

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.campaign import metrics, report, summary
from lms.extensions import db
from lms.models import GROUPS, Campaign, Completion, Course
from lms.people.households import ensure_household

START, END = date(2026, 10, 1), date(2026, 11, 29)
AS_OF = "2026-10-30"


def local(month, day, hour=12):
    return datetime(2026, month, day, hour) - timedelta(hours=7)


def complete(user, slug, at):
    course_id = db.session.scalar(select(Course.id).where(Course.slug == slug))
    db.session.add(Completion(user_id=user.id, course_id=course_id, completed_at=at, score=100.0))
    db.session.flush()
    summary.refresh_user(db.session, user.id)


@pytest.fixture
def campaign(app, courses, factory):
    """School A: primary class, 2 pupils (one covered 05/10, one 02/11) in two households with no
    guardian known; school B: a teacher covered on 03/10 and one who is not."""
    a = factory.school(code="A", name="Trường Tiểu học Hòa Bình")
    b = factory.school(code="B", name="Trường THCS Yên Bình")
    room = factory.classroom(a, name="3A", grade=3)
    early, late = factory.pupil(room, password=None), factory.pupil(room, password=None)
    for pupil in (early, late):  # a household each, no guardian known
        ensure_household(db.session, pupil)
    complete(early, "quiz-course", local(10, 5))
    complete(late, "quiz-course", local(11, 2))
    covered = factory.user("teacher", school=b)
    factory.user("teacher", school=b)
    complete(covered, "teacher-course", local(10, 3))
    campaign = Campaign(unit_id=factory.unit().id, name="Bình dân học vụ số 2026",
                        starts_on=START, ends_on=END)
    db.session.add(campaign)
    factory.commit()
    return campaign


def coverage(runner, *args):
    return runner.invoke(args=["report", "coverage", *args])


def test_json_prints_the_contract(runner, campaign):
    result = coverage(runner, "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == metrics.ward_report(db.session, campaign, date(2026, 10, 30)).as_dict()
    assert data["as_of"] == AS_OF
    assert set(data["groups"]) == set(GROUPS)
    assert {g: (f["population"], f["covered"]) for g, f in data["groups"].items()} == {
        "primary": (2, 1), "lower_secondary": (0, 0), "teachers": (2, 1), "parents": (2, 0),
        "households": (2, 0)}  # one expected guardian per household with none known
    assert [s["code"] for s in data["schools"]] == ["A", "B"]
    assert "Bình dân học vụ số 2026" in result.stdout  # not \u-escaped


def test_as_of_changes_the_figures(runner, campaign):
    later = json.loads(coverage(runner, "--format", "json", "--as-of", "2026-11-10").stdout)
    assert later["groups"]["primary"]["covered"] == 2
    clamped = json.loads(coverage(runner, "--format", "json", "--as-of", "2027-05-01").stdout)
    assert clamped["as_of"] == END.isoformat()


def test_csv_to_a_file_has_a_bom(runner, campaign, tmp_path):
    out = tmp_path / "bao-cao.csv"
    result = coverage(runner, "--format", "csv", "--as-of", AS_OF, "--output", str(out))
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert "30/10/2026" in rows[0][0]
    assert rows[1][:2] == ["Mã trường", "Tên trường"]
    assert [r[:6] for r in rows[2:]] == [
        ["A", "Trường Tiểu học Hòa Bình", "1", "2", "50.0", "100"],
        ["B", "Trường THCS Yên Bình", "0", "0", "0.0", "100"],
        ["", "Toàn phường/xã", "1", "2", "50.0", "100"]]


def test_csv_to_stdout(runner, campaign):
    result = coverage(runner, "--format", "csv", "--as-of", AS_OF)
    assert result.exit_code == 0
    rows = [r for r in csv.reader(io.StringIO(result.stdout)) if r]
    assert "30/10/2026" in rows[0][0]
    assert [r[0] for r in rows[2:]] == ["A", "B", ""]


def test_xlsx_to_a_file(runner, campaign, tmp_path):
    out = tmp_path / "bao-cao.xlsx"
    result = coverage(runner, "--format", "xlsx", "--as-of", AS_OF, "--output", str(out))
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    sheet = book.worksheets[0]
    assert sheet["A1"].value == "Phường Mẫu"
    assert "30/10/2026" in sheet["A3"].value
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    assert [r[:6] for r in rows] == [("A", "Trường Tiểu học Hòa Bình", 1, 2, 0.5, 1.0),
                                     ("B", "Trường THCS Yên Bình", 0, 0, 0, 1.0),
                                     (None, "Toàn phường/xã", 1, 2, 0.5, 1.0)]
    assert len(book.sheetnames) == 1 + len(GROUPS)


def test_xlsx_needs_an_output_file(runner, campaign):
    result = coverage(runner, "--format", "xlsx")
    assert result.exit_code != 0
    assert "--output" in result.output


def test_school_restricts_the_report(runner, campaign, tmp_path):
    data = json.loads(coverage(runner, "--format", "json", "--as-of", AS_OF,
                               "--school", "B").stdout)
    assert [s["code"] for s in data["schools"]] == ["B"]
    assert {g: (f["population"], f["covered"]) for g, f in data["groups"].items()} == {
        "primary": (0, 0), "lower_secondary": (0, 0), "teachers": (2, 1), "parents": (0, 0),
        "households": (0, 0)}
    out = tmp_path / "a.xlsx"
    assert coverage(runner, "--format", "xlsx", "--school", "A", "--as-of", AS_OF,
                    "--output", str(out)).exit_code == 0
    names = [r[1] for r in load_workbook(out).worksheets[0].iter_rows(min_row=6,
                                                                      values_only=True)]
    assert names == ["Trường Tiểu học Hòa Bình", "Toàn phường/xã"]


def test_a_bad_as_of_fails_with_a_message(runner, campaign, tmp_path):
    out = tmp_path / "x.csv"
    for bad in ("30/10/2026", "2026-02-30", "hôm nay"):
        result = coverage(runner, "--format", "csv", "--as-of", bad, "--output", str(out))
        assert result.exit_code != 0, bad
        assert "YYYY-MM-DD" in result.output and bad in result.output
        assert not out.exists()


def test_an_unknown_school_fails(runner, campaign):
    result = coverage(runner, "--format", "json", "--school", "NOPE")
    assert result.exit_code != 0
    assert "NOPE" in result.output
    assert "{" not in result.stdout


def test_without_a_campaign_it_fails(runner, app, factory):
    factory.school(code="A")
    factory.commit()
    result = coverage(runner, "--format", "json")
    assert result.exit_code != 0
    assert "campaign" in result.output
    assert "{" not in result.stdout


def test_format_is_required(runner, campaign):
    assert coverage(runner, "--as-of", AS_OF).exit_code != 0
    assert coverage(runner, "--format", "pdf").exit_code != 0


def test_a_single_ward_needs_no_unit_and_names_it(runner, campaign, tmp_path):
    """One ward, no --unit: the ward's report, naming the ward and the indicators it follows
    (a campaign without chosen indicators follows the default five); the file is build()'s."""
    data = json.loads(coverage(runner, "--format", "json", "--as-of", AS_OF).stdout)
    assert data["unit"] == {"code": "P-DEMO", "name": "Phường Mẫu", "kind": "ward"}
    assert list(data["indicators"]) == list(GROUPS)
    assert data["indicators"]["teachers"] == {**data["groups"]["teachers"], "minimum": None}
    same = json.loads(coverage(runner, "--format", "json", "--as-of", AS_OF, "--unit", "P-DEMO").stdout)
    assert same == data
    out = tmp_path / "r.csv"
    assert coverage(runner, "--format", "csv", "--as-of", AS_OF, "--output", str(out)).exit_code == 0
    built, name = report.build(db.session, "csv", as_of=date(2026, 10, 30))
    assert out.read_bytes() == built
    assert name == "bao-cao-binh-dan-hoc-vu-so-2026-10-30.csv"
    assert coverage(runner, "--format", "json", "--city").exit_code != 0  # no city here
