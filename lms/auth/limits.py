"""Limits on guessing (passwords, PINs, printed codes), counted before the check.

An attempt first takes its place in every counter that applies (one atomic increment each in
the shared storage, lms.ratelimit_storage or Redis), is refused if any is then over its limit,
and gives its places back when it succeeds (one atomic step each that never goes below zero,
lms.ratelimit_storage.give_back): only failures count, and twenty guesses sent at once meet
the limit one by one, on one app server or several sharing Redis. Flask-Limiter's decorators
test before and count after the response (`deduct_when`), so concurrent guesses all passed the
test before any was counted.

Keys name what is protected: an account (its id, however the login was typed), a pupil, a
class, an address. The limits themselves are settings (lms.config) and docs/operations.md
gives what they cost an attacker.
"""

import math
import time

from flask import current_app, render_template
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits import parse_many

from lms import security_log
from lms.extensions import limiter
from lms.ratelimit_storage import give_back

NAMESPACE = "guess"


def address() -> str:
    """The client's address (behind a proxy, ProxyFix has put the real one here)."""
    return get_remote_address()


class Attempt:
    """One guess's places in its counters. `refused`: over a limit, do not check the guess
    (`wait_seconds`: until the windows that are full end). Call `succeeded()` when the
    guess was right."""

    def __init__(self, limits: list[tuple[str, str]]):
        self.taken: list = []
        self.refused = False
        self.wait_seconds = 0
        self.full: list[str] = []  # the counters over their limit (a security event)
        if not limiter.enabled:
            return
        strategy = limiter.limiter
        for setting, key in limits:
            for item in parse_many(current_app.config[setting]):
                allowed = strategy.hit(item, NAMESPACE, key)
                self.taken.append((item, key))
                if not allowed:
                    self.refused = True
                    self.full.append(key)
                    reset_at = strategy.get_window_stats(item, NAMESPACE, key).reset_time
                    self.wait_seconds = max(self.wait_seconds, reset_at - time.time())
        if self.refused:
            self.succeeded()  # a refused attempt was never tried: it is no failure either

    def succeeded(self) -> None:
        """Give back the places taken: a right guess is not a failure."""
        storage = limiter.storage
        for item, key in self.taken:
            give_back(storage, item.key_for(NAMESPACE, key), item.get_expiry())
        self.taken = []


def attempt(*limits: tuple[str, str]) -> Attempt:
    """limits: (setting name, key) pairs, e.g. ("LOGIN_LIMIT_PER_ACCOUNT", "account:12")."""
    return Attempt(list(limits))


def too_many(attempt: Attempt):
    """The 429 page, saying how long to wait (the window left of the limit that was reached)."""
    minutes = max(1, math.ceil(attempt.wait_seconds / 60))
    message = _(
        "Too many wrong attempts in a short time. Please wait %(minutes)d minutes and try again.",
        minutes=minutes,
    )
    title = _("Too many attempts")
    security_log.event("limit.reached", limits=attempt.full)
    response = render_template("error.html", code=429, title=title, message=message)
    return response, 429, {"Retry-After": str(math.ceil(attempt.wait_seconds))}
