"""The app as gunicorn serves it, plus two bench-only pages that show where a signed-in page's
time goes (used by `page_speed.py --floors`; never part of the product):

- /bench/cookie: reads the signed session cookie, touches nothing else;
- /bench/signed-in: a page behind the learner check: the session lookup in the database and
  Flask-Login, and nothing of its own (no query, no template).
"""

from flask import session

from lms import create_app as create_lms_app
from lms.access import learner_required


def create_app():
    app = create_lms_app()

    @app.get("/bench/cookie")
    def cookie_only():
        return "ok" if session.get("_user_id") else "anonymous"

    @app.get("/bench/signed-in")
    @learner_required
    def signed_in_only():
        return "ok"

    return app
