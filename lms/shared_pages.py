"""Pages rendered once for everyone who sees them alike, then given each viewer's own details.

A lesson page looks the same to every pupil of a tier who has reached the same place in the
same lesson, in the same language: only the name in the footer, the address the language
switch returns to and the form token differ. Rendering the templates was most of the page's
cost, so each worker renders a shared copy once per (page, audience) and fills in those three
on every view.

Nothing of the first viewer can end up in the shared copy: it is rendered with placeholders
for the three details and with stand-ins for `current_user`, `request`, `session` and `g`
that hold only what the audience shares. A template that starts to read anything else of
them fails with SharedPageError (in the tests) instead of showing one pupil's data to the
next. Pages with a flashed message are rendered for their viewer alone, as before.

A copy is kept under everything it shows (the page's values, the lesson's text and title
included, read from the database on every view) and never under the lesson's name alone. So
a lesson changed by `courses sync`, whether run through this worker, another worker, another
app server or the command line, is a different key on its next view everywhere: a new copy is
rendered and the old one ages out unused. No worker has to be told of the change, which is
what lets several app servers share one database (docs/scaling.md). Whatever else a copy
depends on (templates, translations) comes with the release, the same on every server.
"""

import functools
import secrets

from flask import Flask, current_app, render_template, request, session
from flask_login import current_user
from markupsafe import escape

from lms.accounts import ASSISTED
from lms.i18n import select_locale
from lms.redirects import current_path
from lms.security import csrf_token, token_placeholder

# Random per process, so no text in a lesson can look like one.
_MARK = secrets.token_hex(8)
NAME = f"shared-name-{_MARK}"
PATH = f"shared-path-{_MARK}"
TOKEN = f"shared-token-{_MARK}"
COPIES_KEPT = 256  # per worker: about 20 KB each (the page and its lesson's HTML)


class SharedPageError(RuntimeError):
    """A shared page read something that differs between its viewers. (Not an
    AttributeError: Jinja would quietly render that as empty.)"""


class _StandIn:
    """Has the attributes it is given; reading any other one raises SharedPageError."""

    def __init__(self, what: str, **given):
        self.__dict__.update(given, _what=what)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)  # protocol probes (e.g. markupsafe's __html__)
        raise SharedPageError(f"a shared page may not read {self._what}.{name}")


def register(app: Flask) -> None:
    app.extensions["shared_pages"] = functools.lru_cache(maxsize=COPIES_KEPT)(_shared_copy)


def render(template: str, page) -> str:
    """`template` with `page` (a frozen dataclass: everything the page shows) for the signed-in
    viewer (routes behind an access check only: the audience is read from the account)."""
    if session.get("_flashes") or session.get(ASSISTED):  # an assisted session's banner: its own
        return render_template(template, page=page)
    user = current_user._get_current_object()
    audience = (select_locale(), user.role, user.tier, request.script_root)
    shared = current_app.extensions["shared_pages"](template, page, audience)
    return (
        shared.replace(NAME, escape(user.full_name))
        .replace(PATH, escape(current_path()))
        .replace(TOKEN, escape(csrf_token()))
    )


def _shared_copy(template: str, page, audience: tuple) -> str:
    _locale, role, tier, _root = audience
    viewer = _StandIn(
        "current_user", is_authenticated=True, is_anonymous=False, role=role, tier=tier,
        full_name=NAME,
    )
    with token_placeholder(TOKEN):
        return render_template(
            template,
            page=page,
            current_user=viewer,
            current_path=lambda: PATH,
            request=_StandIn("request"),
            session=_StandIn("session"),
            g=_StandIn("g"),
        )
