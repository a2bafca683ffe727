"""The front door: a visitor first says who they are (card pupil, account, parent), then courses."""

import re
import shutil
import threading
from html.parser import HTMLParser

import pytest
from conftest import page_text
from werkzeug.serving import make_server

from lms.content.sync import sync_courses
from lms.extensions import db

DOORS = {  # the entry's words -> where it leads
    "Học sinh có thẻ lớp": "/login/class",
    "Học sinh, giáo viên có tài khoản": "/login",
    "Đăng nhập bằng số điện thoại": "/login",
    "Nhập mã trong thư của nhà trường": "/pair",
}


class Links(HTMLParser):
    """(href, visible text) of every link inside <main>."""

    def __init__(self):
        super().__init__()
        self.links: list[list[str]] = []
        self._main = self._open = False

    def handle_starttag(self, tag, attrs):
        self._main |= tag == "main"
        if tag == "a" and self._main:
            self.links.append([dict(attrs).get("href", ""), ""])
            self._open = True

    def handle_endtag(self, tag):
        self._open = self._open and tag != "a"
        self._main = self._main and tag != "main"

    def handle_data(self, data):
        if self._open:
            self.links[-1][1] += data


def main_links(html: str) -> dict[str, str]:
    parser = Links()
    parser.feed(html)
    return {" ".join(text.split()): href for href, text in parser.links}


def test_a_visitor_is_asked_who_they_are_first(client, courses):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    links = main_links(html)
    assert {text: links.get(text) for text in DOORS} == DOORS
    text = page_text(html)
    assert "Bạn là ai?" in text and text.index("Học sinh có thẻ lớp") < text.index("Xem các khóa học")
    for text_, href in DOORS.items():
        assert client.get(href).status_code == 200, text_


def test_the_front_door_counts_courses_per_tier_and_links_the_catalogue(client, courses):
    links = main_links(client.get("/").get_data(as_text=True))
    assert links["Xem các khóa học"] == "/courses"
    catalogue = client.get("/courses").get_data(as_text=True)
    for tier in ("primary", "lower-secondary", "teacher", "parent", "official"):
        [name] = [text for text, href in links.items() if href == f"/courses#{tier}"]
        assert f'<section id="{tier}">' in catalogue, tier
    primary = re.search(r'<section id="primary">(.*?)</section>', catalogue, re.S).group(1).count("<h3>")
    assert primary > 0
    text = page_text(client.get("/").get_data(as_text=True))
    assert f"Học sinh Tiểu học (lớp 1-5): {primary} khóa học" in text, text


def test_a_signed_in_user_still_goes_to_their_home(browser, factory):
    factory.user("teacher", username="gv.mot")
    factory.commit()
    browser.login("gv.mot")
    response = browser.get("/")
    assert (response.status_code, response.location) == (302, "/home")


def test_the_front_door_is_light_with_many_courses(app, client, tmp_path):
    for i in range(40):
        course = tmp_path / f"khoa-{i:02d}"
        course.mkdir()
        (course / "course.md").write_text(
            f'---\ntitle: "Khóa {i}"\naudience: [primary, parent]\ncompetencies: ["1.1"]\nminutes: 5\n'
            'summary: "Tóm tắt."\n---\nGiới thiệu.\n', encoding="utf-8")
        (course / "01-bai.md").write_text('---\ntitle: "Bài"\n---\nNội dung.\n', encoding="utf-8")
    assert not sync_courses(db.session, tmp_path).problems.errors
    db.session.commit()
    page = client.get("/").get_data()
    with client.get("/static/style.css") as response:
        css = response.get_data()
    assert "Học sinh Tiểu học (lớp 1-5): 40 khóa học" in page_text(page.decode())
    assert len(page) < 6 * 1024 and len(page) + len(css) < 30 * 1024, (len(page), len(css))


def test_page_text_leaves_out_attribute_values():
    """The helper the absence checks use: a CSRF token holding `9Z` is not text on the page."""
    html = '<form><input type="hidden" name="csrf_token" value="IjQ5Zjk9Z.aB"><b>Lớp</b> 2A</form>'
    assert "9Z" in html and page_text(html) == "Lớp 2A"


# --- in Chromium at phone size ----------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def phone(web_app):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = chromium.new_context(viewport={"width": 360, "height": 740}).new_page()
        page.base = f"http://127.0.0.1:{server.server_port}"
        yield page
        chromium.close()
    server.shutdown()
    thread.join()


@pytest.mark.browser
def test_the_doors_fit_the_first_screen_of_a_phone_and_open(phone, courses):
    db.session.commit()
    phone.goto(phone.base + "/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    for text, href in DOORS.items():
        link = phone.locator("main a", has_text=text)
        box = link.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 740, (text, box)
        assert box["height"] >= 44, (text, box)  # a finger's target
        link.click()
        phone.wait_for_load_state()
        assert phone.url == phone.base + href, text
        assert phone.title() and "Bạn là ai?" not in phone.content()
        phone.goto(phone.base + "/")
