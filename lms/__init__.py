"""Bình dân học vụ số: a light learning platform for the popular digital education campaign."""

import os
import secrets
from pathlib import Path

from flask import Flask

from lms.config import DEFAULT_SECRET_KEY, Config, from_environment

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    configure_settings(app, test_config)
    configure_database(app)
    configure_extensions(app)
    configure_blueprints(app)
    configure_templates(app)
    configure_errors(app)
    configure_security(app)
    configure_logs(app)
    configure_proxies(app)
    from lms import cli

    cli.register(app)
    return app


def configure_settings(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(Config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(from_environment())
        _load_demo_secret(app)
    else:
        app.config.update(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("postgres://"):  # the old spelling some hosts still hand out
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + url[len("postgresql://") :]
    import lms.ratelimit_storage  # noqa: F401 - registers the lmsdb:// scheme, also when configured

    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = f"lmsdb://{Path(app.instance_path) / 'ratelimits.sqlite3'}"
    if not app.config.get("COURSES_DIR"):
        app.config["COURSES_DIR"] = str(PROJECT_ROOT / "courses")
    secret = app.config.get("SECRET_KEY")
    if (not secret or secret == DEFAULT_SECRET_KEY) and not (
        app.testing or app.config.get("ALLOW_DEFAULT_SECRET")
    ):
        raise RuntimeError(
            "SECRET_KEY is missing or the default: set it in instance/config.py or the "
            "environment (the local demo, `make run`, generates one for you)."
        )


def _load_demo_secret(app: Flask) -> None:
    """The local demo keeps a random key in instance/secret_key, made on first run."""
    if app.config.get("SECRET_KEY") not in (None, "", DEFAULT_SECRET_KEY):
        return
    if os.environ.get("LMS_DEMO") != "1":
        return
    key_file = Path(app.instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()


def configure_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if uri.startswith("sqlite"):
        options.setdefault("connect_args", {})["timeout"] = app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000
    elif uri.startswith("postgresql"):
        # Short statements on large tables: PostgreSQL's JIT compiles some of them for 0.3 s to
        # save microseconds (measured on the city-sized bench, docs/benchmarks.md). Off.
        options.setdefault("connect_args", {}).setdefault("options", "-c jit=off")


def configure_extensions(app: Flask) -> None:
    from lms.extensions import babel, csrf, db, limiter, login_manager, migrate
    from lms.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        from lms.db_setup import configure_engine

        configure_engine(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    from lms import accounts  # noqa: F401 - registers the user loader
    from lms.campaign import snapshots  # noqa: F401 - keeps stored coverage figures in step


def configure_blueprints(app: Flask) -> None:
    from lms.admin.routes import bp as admin_bp
    from lms.auth.routes import bp as auth_bp
    from lms.campaign.routes import bp as campaign_bp
    from lms.catalog.routes import bp as catalog_bp
    from lms.certificates.routes import bp as certificates_bp
    from lms.community.routes import bp as community_bp
    from lms.family.routes import bp as family_bp
    from lms.learning.routes import bp as learning_bp
    from lms.privacy.routes import bp as privacy_bp
    from lms.teaching.routes import bp as teaching_bp

    for blueprint in (
        catalog_bp,
        auth_bp,
        learning_bp,
        teaching_bp,
        family_bp,
        admin_bp,
        campaign_bp,
        certificates_bp,
        privacy_bp,
        community_bp,
    ):
        app.register_blueprint(blueprint)


def configure_templates(app: Flask) -> None:
    from lms import formatting, i18n, shared_pages

    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    formatting.register(app)
    i18n.install_template_gettext(app)
    shared_pages.register(app)


def configure_errors(app: Flask) -> None:
    from lms import errors

    errors.register(app)


def configure_security(app: Flask) -> None:
    from lms import security

    security.register(app)


def configure_logs(app: Flask) -> None:
    """Security events on the `lms.security` logger (stderr, and SECURITY_LOG_FILE when set);
    the access log's entries written once each response is made."""
    from lms import privacy_log, security_log

    security_log.configure(app)
    privacy_log.register(app)


def configure_proxies(app: Flask) -> None:
    """Behind N trusted reverse proxies, the client's address (for per-address rate limits)
    and scheme come from their X-Forwarded-For/-Proto headers; without, those headers are
    ignored (anyone could send them). Links on paper use PUBLIC_URL, never the Host."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_port=0)
