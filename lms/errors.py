"""Friendly error pages in the site's style (and no stack trace for anyone)."""

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError


def register(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(_e):
        return page(400, _("Bad request"), _("The request could not be understood."))

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return page(
            400,
            _("The form has expired"),
            _("Please go back, reload the page and try again."),
        )

    @app.errorhandler(403)
    def forbidden(_e):
        return page(403, _("Not allowed"), _("You do not have access to this page."))

    @app.errorhandler(404)
    def not_found(_e):
        return page(404, _("Page not found"), _("The page you asked for does not exist."))

    @app.errorhandler(405)
    def method_not_allowed(_e):
        return page(405, _("Not allowed"), _("This action is not possible here."))

    @app.errorhandler(413)
    def too_large(_e):
        megabytes = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return page(
            413,
            _("File too large"),
            _(
                "An upload can be at most %(size)s MB: nothing was saved. Split the list into "
                "smaller files (one per school, for example) and upload each of them.",
                size=megabytes,
            ),
        )

    @app.errorhandler(429)
    def too_many(_e):
        return page(
            429,
            _("Too many attempts"),
            _("Too many attempts in a short time. Please wait 15 minutes and try again."),
        )

    @app.errorhandler(500)
    def server_error(_e):
        return page(
            500,
            _("Something went wrong"),
            _("An error happened on our side. Please try again in a moment."),
        )
