"""The evidence for the models and the event days in Debian's Chromium at 360x740 (issue 18):
every table and the event days fit the phone's width (wide tables scroll in their own box), and
the unit admin nominates a school with a tap, no script needed."""

import pytest
import test_browser
from test_browser import sign_in, visit
from test_evidence import ward  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser
live_server, browser_page = test_browser.live_server, test_browser.browser_page  # fixtures


def test_evidence_pages_at_phone_size(live_server, browser_page, ward, tmp_path):  # noqa: F811
    page = browser_page
    sign_in(page, live_server, "phuong")
    for table in ("schools", "classes", "teachers", "households"):
        visit(page, f"{live_server}/dashboard/units/{ward.unit.id}/evidence/{table}")
    visit(page, f"{live_server}/dashboard/units/{ward.unit.id}/events")
    visit(page, f"{live_server}/dashboard/units/{ward.unit.id}/evidence/schools?sort=-helped")
    page.screenshot(path=tmp_path / "evidence-schools-360.png", full_page=True)
    print("screenshot:", tmp_path / "evidence-schools-360.png")
    page.click(f"button[name=subject][value='{ward.b.id}']")
    page.wait_for_load_state("domcontentloaded")
    assert "sort=-helped" in page.url
    assert page.locator(".flash").inner_text() == "Đã đánh dấu đề cử."
    assert "=Trường B" in page.locator("main ul").first.inner_text()
    test_browser.fits_phone(page)
