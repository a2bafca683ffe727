"""Vietnamese first, English second: the choice is kept in a cookie set by a POST."""

from flask import current_app, request


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
