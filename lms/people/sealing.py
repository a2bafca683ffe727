"""The card key: PINs and family codes kept printable without the database giving them away.

A teacher reprints the same cards and letters (nothing handed out stops working), so the
PIN or code must be recoverable; a stolen database alone must still give neither. So each is
sealed with AES-GCM under a key that is not in the database, and looked up or checked through
an HMAC under a second key: a 4-digit PIN gains nothing from a slow hash (10^4 tries), and an
unkeyed hash of an 8-letter code (2^40) falls to a quick search.

Both keys come from one secret by HKDF with fixed labels: `CARD_KEY` when a deployment sets it,
else `SECRET_KEY`. If that secret changes, sealed values no longer open and keyed hashes no
longer match: the cards and letters issued under the old key must be issued again (the print
pages say so; nothing fails)."""

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

VERSION = "1."  # prefix of a sealed value: a later scheme can tell its own apart


def _secret() -> bytes:
    source = current_app.config.get("CARD_KEY") or current_app.config["SECRET_KEY"]
    return source if isinstance(source, bytes) else str(source).encode()


@lru_cache(maxsize=16)
def _derive(secret: bytes, label: str) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=f"lms {label}".encode()).derive(secret)


def key(label: str) -> bytes:
    return _derive(_secret(), label)


def keyed_digest(label: str, message: str) -> str:
    return hmac.new(key(label), message.encode(), hashlib.sha256).hexdigest()


def seal(value: str, context: str) -> str:
    """`context` (whose value it is) is authenticated: a sealed PIN copied to another row won't open."""
    nonce = os.urandom(12)
    sealed = AESGCM(key("sealed cards and codes v1")).encrypt(nonce, value.encode(), context.encode())
    return VERSION + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def unseal(token: str | None, context: str) -> str | None:
    """The value, or None when there is none or it was sealed under another key."""
    if not token or not token.startswith(VERSION):
        return None
    body = token[len(VERSION) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        opened = AESGCM(key("sealed cards and codes v1")).decrypt(raw[:12], raw[12:], context.encode())
    except (InvalidTag, ValueError):
        return None
    return opened.decode()
