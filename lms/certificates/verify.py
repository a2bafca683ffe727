"""The public page a certificate's QR code opens: is this certificate real?

It confirms the course(s), the date, the issuing unit and the holder's name in part ("Nguyễn
V. A."), nothing else: no class, school, date of birth or id. A revoked or unknown code says
so. Each look-up is a guess counted per address before the look, as for pairing codes
(lms.auth.limits, CODE_LIMIT_PER_ADDRESS under its own key); a code that exists gives its
place back, so only wrong codes use up the limit."""

from flask import make_response, render_template, request

from lms.auth import limits
from lms.certificates.routes import bp
from lms.extensions import db
from lms.learning import certificates
from lms.people.codes import normalize_code


def _tries():
    return limits.attempt(("CODE_LIMIT_PER_ADDRESS", "certificate-addr:" + limits.address()))


def _page(status: int, **values):
    response = make_response(render_template("certificates/verify.html", **values), status)
    response.headers["X-Robots-Tag"] = "noindex"  # a verified name is for the one who asks
    response.headers["Cache-Control"] = "no-store"
    return response


def check(code: str):
    tries = _tries()
    if tries.refused:
        return limits.too_many(tries)
    certificate = certificates.find(db.session, code)
    if certificate is None:
        return _page(404, code=code, state="unknown")
    tries.succeeded()
    if certificate.revoked_at is not None:
        return _page(410, code=code, state="revoked")
    titles = (
        [certificate.course.title]
        if certificate.kind == "course"
        else [c.title for c in certificates.tier_courses(db.session, certificate)]
    )
    return _page(
        200,
        code=code,
        state="valid",
        certificate=certificate,
        name=certificates.partial_name(certificate.user.full_name),
        courses=titles,
    )


@bp.get("/verify")
def verify():
    """The form (a GET, so it works without JavaScript or a session), and its answer."""
    code = request.args.get("code", "").strip()
    if not normalize_code(code):
        return _page(200, code="", state=None)
    return check(code)


@bp.get("/verify/<code>")
def verify_code(code: str):
    return check(code)
