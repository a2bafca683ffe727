"""Lessons read aloud in Chromium (issue 17): the recording's player loads the file, and the
"Nghe đọc" button shows only where the browser has a Vietnamese voice, reading with it."""

import json

import pytest
from test_browser import browser_page, fits_phone, live_server, sign_in, visit  # noqa: F401 - fixtures
from test_read_aloud import wav, write

from lms.content.sync import sync_courses
from lms.extensions import db

pytestmark = pytest.mark.browser

# A stand-in for the browser's speech engine: its voices arrive a moment after the page loads
# (as Chrome's do), and it records what it is asked to say instead of saying it.
FAKE_SPEECH = """(() => {
  const voices = %s;
  const fake = {
    ready: false, spoken: [], cancelled: 0, onvoiceschanged: null,
    getVoices() { return this.ready ? voices : []; },
    speak(u) {
      this.spoken.push({text: u.text, lang: u.lang, voice: u.voice && u.voice.name});
      this.last = u;
    },
    cancel() { this.cancelled += 1; },
  };
  Object.defineProperty(window, "speechSynthesis", {value: fake, configurable: true});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  setTimeout(() => { fake.ready = true; if (fake.onvoiceschanged) fake.onvoiceschanged(); }, 100);
})();"""
BUTTON = "button[data-read-aloud]"


@pytest.fixture
def lessons(live_server, browser_page, factory, tmp_path):  # noqa: F811
    """Course `nghe` (lesson 1 recorded, lesson 2 not), a grade-1 pupil signed in who has done lesson 1."""
    root = write(tmp_path, "audio: audio/bai-01.wav", {"audio/bai-01.wav": wav(0.5)})
    assert not sync_courses(db.session, root).problems.errors
    factory.pupil(factory.classroom(grade=1), username="be.an")
    factory.commit()
    page = browser_page
    sign_in(page, live_server, "be.an")
    base = f"{live_server}/courses/nghe/lessons"
    visit(page, f"{base}/bai-mot")
    page.click("form[action$='/done'] button")
    return page, base


def test_the_recording_player_loads_the_lesson_audio(lessons):
    page, base = lessons
    visit(page, f"{base}/bai-mot")
    player = page.locator("audio")
    assert player.is_visible() and page.locator(BUTTON).count() == 0
    assert page.evaluate("document.querySelector('audio').canPlayType('audio/wav')") != ""
    fetched = page.evaluate("""fetch(document.querySelector('audio').src)
        .then(r => [r.status, r.headers.get('content-type')])""")
    assert fetched == [200, "audio/wav"]
    duration = page.evaluate("""new Promise(done => {
        const a = document.querySelector('audio');
        a.addEventListener('loadedmetadata', () => done(a.duration));
        a.addEventListener('error', () => done(-1));
        a.preload = 'metadata'; a.load(); })""")
    assert duration == pytest.approx(0.5, abs=0.05)
    assert page.locator("audio").bounding_box()["width"] <= 360
    fits_phone(page)


def test_without_a_vietnamese_voice_the_button_stays_hidden(lessons):
    page, base = lessons
    visit(page, f"{base}/bai-hai")
    assert page.locator("audio").count() == 0 and page.locator(BUTTON).count() == 1
    page.wait_for_timeout(300)  # voices load late
    has_vi = page.evaluate("""!!window.speechSynthesis &&
        speechSynthesis.getVoices().some(v => /^vi/i.test(v.lang))""")
    if not has_vi:  # headless Chromium has no voices
        assert not page.locator(BUTTON).is_visible()

    page.context.add_init_script(FAKE_SPEECH % json.dumps([{"name": "English", "lang": "en-US"}]))
    visit(page, f"{base}/bai-hai")
    # Until the fake's voices have arrived (the page's CSP forbids wait_for_function's eval;
    # a promise polled inside the page waits as long as a busy machine needs).
    assert page.evaluate("""new Promise(done => {
        const poll = () => speechSynthesis.ready ? done(true) : setTimeout(poll, 20); poll(); })""")
    assert not page.locator(BUTTON).is_visible()

    no_js = page.context.browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740},
        storage_state=page.context.storage_state())
    plain = no_js.new_page()
    plain.goto(f"{base}/bai-hai")
    assert plain.locator("h1").inner_text() == "Bài hai"
    assert plain.locator(BUTTON).count() == 1 and not plain.locator(BUTTON).is_visible()
    no_js.close()


def test_with_a_vietnamese_voice_the_button_reads_the_lesson(lessons):
    page, base = lessons
    page.context.add_init_script(FAKE_SPEECH % json.dumps([{"name": "English", "lang": "en-US"},
                                                           {"name": "Linh", "lang": "vi-VN"}]))
    visit(page, f"{base}/bai-hai")
    button = page.locator(BUTTON)
    button.wait_for(state="visible")
    assert button.inner_text().strip().endswith("Nghe đọc")
    fits_phone(page)

    button.click()
    spoken = page.evaluate("speechSynthesis.spoken")
    assert [s["text"] for s in spoken] == ["Bài hai", "Đoạn thứ nhất.", "Ý một", "Ý hai"]
    assert {(s["lang"], s["voice"]) for s in spoken} == {("vi-VN", "Linh")}
    assert button.inner_text().strip().endswith("Dừng đọc")
    assert button.get_attribute("aria-pressed") == "true"

    button.click()  # stop
    assert button.inner_text().strip().endswith("Nghe đọc")
    assert page.evaluate("speechSynthesis.cancelled") == 2
    assert len(page.evaluate("speechSynthesis.spoken")) == 4

    button.click()  # again, then the reading comes to its end
    assert button.inner_text().strip().endswith("Dừng đọc")
    page.evaluate("speechSynthesis.last.onend()")
    assert button.inner_text().strip().endswith("Nghe đọc")
