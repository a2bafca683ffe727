"""Vietnamese first, English second: the choice is kept in a cookie set by a POST."""

from flask import Flask, current_app, request
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from markupsafe import Markup


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def install_template_gettext(app: Flask) -> None:
    """Templates find the request's catalogue and locale once per page, not once per string
    (Flask-Babel's own template callables look both up again for every `_()`)."""

    def catalogue(context):
        # Macros imported without context do not see the page's variables: they find the
        # catalogue kept on the request.
        return context.get("_catalogue") or request_catalogue()

    @pass_context
    def gettext(context, string):
        return catalogue(context).ugettext(string)

    @pass_context
    def ngettext(context, singular, plural, n):
        return catalogue(context).ungettext(singular, plural, n)

    @pass_context
    def pgettext(context, msgctxt, string):
        return catalogue(context).upgettext(msgctxt, string)

    @pass_context
    def npgettext(context, msgctxt, singular, plural, n):
        return catalogue(context).unpgettext(msgctxt, singular, plural, n)

    app.jinja_env.install_gettext_callables(
        gettext=gettext, ngettext=ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
    )

    @pass_context
    def translate(context, string, **variables):
        """`_()`: what the i18n extension's alias and new-style gettext do, in one call."""
        text = catalogue(context).ugettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables  # new-style: always a format string, values escaped

    app.jinja_env.globals["_"] = translate

    @app.context_processor
    def page_language():
        locale = str(get_locale())
        return {"_catalogue": request_catalogue(), "current_locale": lambda: locale}


def request_catalogue():
    """This request's translations, looked up once and kept on the request (like Flask-Babel
    keeps the locale there; `g` can outlive a request when an app context is already open)."""
    found = getattr(request, "lms_catalogue", None)
    if found is None:
        found = request.lms_catalogue = get_translations()
    return found
