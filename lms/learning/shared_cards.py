"""Course cards rendered once per worker and shared by every learner whose card looks the same.

A card (learning/_progress.html, `course_card`) shows its CourseCard's values and nothing
else: the course, the learner's progress in it, the due date and the teacher's note, in the
page's language. Pupils of a class have the same courses, due dates and notes, and their
progress falls into a few states, so most of their cards are alike (bench/page_speed.py's
class: 45 pupils' 1,710 cards are 155 different ones); rendering the card macros was most of
the home page's cost (30 assigned courses and 8 of the tier: 2 of 3.5 ms).

Like lms.shared_pages, a rendering is kept under everything it shows (the frozen CourseCard,
the language and the address root), never under the course alone: a card whose course,
progress or assignment changed is a different key on its next view, in every worker and on
every server, and the old one ages out unused. Templates and translations come with the
release.
"""

import functools

from flask import current_app, request
from markupsafe import Markup

from lms.i18n import select_locale
from lms.learning.cards import CourseCard

CARDS_KEPT = 4096  # per worker: about 0.5 KB each


def course_cards(cards: list[CourseCard]) -> list[Markup]:
    """Each card's HTML, rendered by the `course_card` macro or taken from this worker's copies."""
    cache = current_app.extensions.get("shared_cards")
    if cache is None:
        cache = current_app.extensions["shared_cards"] = functools.lru_cache(maxsize=CARDS_KEPT)(_render)
    audience = (select_locale(), request.script_root)
    return [cache(card, audience) for card in cards]


def _render(card: CourseCard, _audience: tuple) -> Markup:
    # The macro reads nothing but its argument, the translations and url_for (request's root).
    macro = current_app.jinja_env.get_template("learning/_progress.html").module.course_card
    return macro(card)
