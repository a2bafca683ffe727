"""Headers on every response (no inline script, no other host, no framing), and the CSRF
token that pages put in their forms."""

import time
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, Response, current_app, session
from flask_wtf.csrf import generate_csrf

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)


# Flask-WTF signs the session's CSRF token afresh on every page (a timestamped HMAC): about a
# third of the time it takes to render the page frame (base.html). A signed token is reused
# for a minute instead; it stays valid for WTF_CSRF_TIME_LIMIT from when it was signed, like
# any token in an open page.
SIGNED_TOKEN_REUSE_SECONDS = 60
_signed_tokens: OrderedDict = OrderedDict()  # (secret, raw session token) -> (signed at, token)
_SIGNED_TOKENS_KEPT = 4096


_placeholder: ContextVar[str | None] = ContextVar("csrf_token_placeholder", default=None)


@contextmanager
def token_placeholder(text: str):
    """Inside, csrf_token() gives `text`: for a page rendered once and shared by many
    viewers (lms.shared_pages), each of whom then gets their own token in its place."""
    reset = _placeholder.set(text)
    try:
        yield
    finally:
        _placeholder.reset(reset)


def csrf_token() -> str:
    placeholder = _placeholder.get()
    if placeholder is not None:
        return placeholder
    raw = session.get("csrf_token")
    key = (current_app.secret_key, raw)
    now = time.monotonic()
    if raw is not None:
        hit = _signed_tokens.get(key)
        if hit is not None and now - hit[0] < SIGNED_TOKEN_REUSE_SECONDS:
            return hit[1]
    token = generate_csrf()
    _signed_tokens[(current_app.secret_key, session["csrf_token"])] = (now, token)
    if len(_signed_tokens) > _SIGNED_TOKENS_KEPT:
        _signed_tokens.popitem(last=False)
    return token


def register(app: Flask) -> None:
    # Flask-WTF offers its own as a global and through a context processor: both replaced.
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
            response.vary.add("Cookie")
        return response
