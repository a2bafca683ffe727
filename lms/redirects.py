from urllib.parse import urlsplit

from flask import request


def current_path() -> str:
    """This page's address with its query, for a form or a sign-in to come back to."""
    return request.full_path.rstrip("?")


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative //host, no backslash."""
    if not target:
        return None
    if "\\" in target or any(ch in target for ch in "\r\n\t"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
