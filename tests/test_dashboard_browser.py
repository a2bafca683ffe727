"""The ward dashboard's trend chart and table in Debian's Chromium at 360x740 (issue 16 item 17)."""

from datetime import date, timedelta

import pytest
import test_browser
from test_browser import sign_in, visit

from lms.extensions import db
from lms.models import Campaign, CampaignTarget
from lms.models.campaign import DEFAULT_TARGETS

pytestmark = pytest.mark.browser
live_server, browser_page = test_browser.live_server, test_browser.browser_page  # fixtures


def test_chart_labels_are_readable_and_the_ward_total_stays_whole(live_server, browser_page,
                                                                  courses, factory):
    factory.user("ward_admin", username="phuong")
    school = factory.school(level="thcs", name="Trường THCS Chu Văn An")
    factory.pupil(factory.classroom(school=school, grade=7))
    campaign = Campaign(unit_id=school.unit_id, name="Bình dân học vụ số 2026",
                        starts_on=date.today() - timedelta(days=60),
                        ends_on=date.today() + timedelta(days=120))
    campaign.targets = [CampaignTarget(group=g, percent=p) for g, p in DEFAULT_TARGETS.items()]
    db.session.add(campaign)
    factory.commit()
    page = browser_page
    sign_in(page, live_server, "phuong")
    visit(page, f"{live_server}/dashboard/")
    # Rendered sizes in CSS pixels: every label at least 12 px tall on the phone.
    sizes = page.evaluate("""() => [...document.querySelectorAll('figure.chart svg text')].map(
        t => [t.textContent, parseFloat(getComputedStyle(t).fontSize)
              * t.ownerSVGElement.getBoundingClientRect().width / 320])""")
    assert sizes and min(size for _text, size in sizes) >= 12, sizes
    dates = [text for text, _size in sizes if "/" in text]
    assert len(dates) == 3
    # Dark enough on white: the labels' ink is at least as dark as the page's muted text.
    fill = page.evaluate("getComputedStyle(document.querySelector('svg text')).fill")
    assert fill == "rgb(61, 71, 82)"
    # "Toàn phường/xã" on one line.
    total = page.locator("tfoot th", has_text="Toàn phường/xã")
    height = total.evaluate("th => th.getBoundingClientRect().height")
    line = total.evaluate("th => parseFloat(getComputedStyle(th).lineHeight)")
    assert height < 2 * line + 12
