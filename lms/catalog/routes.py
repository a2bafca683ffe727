"""Public pages: the front door, the course catalogue, course files, language choice."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from lms.access import OVERSEERS
from lms.extensions import db
from lms.learning.progress import active_lessons_count
from lms.models import AUDIENCES, Course, CourseAsset, CourseAudience
from lms.redirects import safe_next

bp = Blueprint("catalog", __name__)


@bp.get("/")
def index():
    """The front door: a visitor first says who they are; a signed-in user goes to their home."""
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user)))
    return render_template("catalog/front.html", tiers=courses_per_tier())


def courses_per_tier() -> dict[str, int]:
    counts = dict(db.session.execute(
        select(CourseAudience.audience, func.count())
        .join(Course, Course.id == CourseAudience.course_id)
        .where(Course.retired_at.is_(None))
        .group_by(CourseAudience.audience)
    ).all())
    return {tier: counts.get(tier, 0) for tier in AUDIENCES}


def home_endpoint(user) -> str:
    if user.role == "parent":
        return "family.home"
    if user.role in OVERSEERS:
        return "campaign.ward"
    return "learning.home"


@bp.get("/courses")
def courses():
    counts = active_lessons_count()
    rows = db.session.execute(
        select(Course, CourseAudience.audience, counts.c.n)
        .join(CourseAudience, CourseAudience.course_id == Course.id)
        .outerjoin(counts, counts.c.course_id == Course.id)
        .where(Course.retired_at.is_(None))
        .order_by(Course.required.desc(), Course.title)
    ).all()
    tiers = {tier: [] for tier in AUDIENCES}
    for course, audience, lessons in rows:
        tiers[audience].append((course, lessons or 0))
    return render_template("catalog/courses.html", tiers=tiers)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}


@bp.get("/media/<slug>/<path:path>")
def media(slug: str, path: str):
    asset = db.session.execute(
        select(CourseAsset)
        .join(Course, Course.id == CourseAsset.course_id)
        .where(Course.slug == slug, CourseAsset.path == path)
    ).scalar_one_or_none()
    if asset is None:
        abort(404)
    if request.if_none_match.contains(asset.sha256):
        return Response(status=304)
    response = Response(asset.data, mimetype=asset.media_type)
    response.set_etag(asset.sha256)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    # An SVG opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    # A lesson's recording: Safari plays audio only from a server that answers byte ranges.
    return response.make_conditional(request, accept_ranges=True, complete_length=len(asset.data))


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang")
    response = redirect(safe_next(request.form.get("next")) or url_for("catalog.index"))
    if lang in ("vi", "en"):
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
