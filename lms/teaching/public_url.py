"""Links printed on paper or put in QR codes come from the configured public address.

Never from the request's Host header: anyone can send any Host, and a parent trusts the
address on a school's letter. Outside the local demo and the tests, printing refuses until
`PUBLIC_URL` is set (the rest of the app runs without it)."""

from flask import current_app, has_request_context, render_template, request, url_for

DEMO_ADDRESS = "http://127.0.0.1:5000"


class NoPublicAddress(Exception):
    """PUBLIC_URL is missing or not an http(s) address."""


def public_address() -> str | None:
    url = (current_app.config.get("PUBLIC_URL") or "").strip().rstrip("/")
    if url.startswith(("https://", "http://")) and len(url.split("//", 1)[1]) > 0:
        return url
    if not url and (current_app.testing or current_app.config.get("ALLOW_DEFAULT_SECRET")):
        return DEMO_ADDRESS
    return None


def require_public_address() -> str:
    address = public_address()
    if address is None:
        raise NoPublicAddress()
    return address


def public_url_for(endpoint: str, **values) -> str:
    """url_for against the public address (which includes any path the app is mounted at)."""
    base = require_public_address()
    path = url_for(endpoint, **values)
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root):
        path = path[len(root) :]
    return base + path


def shown(url: str) -> str:
    """The address as people type it: browsers add the scheme themselves."""
    return url.split("://", 1)[-1]


def refuse(_error: NoPublicAddress):
    return render_template("teaching/no_public_url.html"), 503


def register(blueprint) -> None:
    blueprint.add_app_template_global(public_url_for, "public_url_for")
    blueprint.add_app_template_filter(shown, "shown_url")
    blueprint.app_errorhandler(NoPublicAddress)(refuse)
