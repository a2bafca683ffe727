"""Extensions are created once here and wired to the app in create_app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from lms.db_setup import RequestSession

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Signed-in sessions live on the server (lms.accounts): signing out or disabling an account ends
# them. Flask-Login's "basic" protection would only mark a session not fresh when the address or
# browser changes (every few minutes on mobile data); nothing here asks for freshness, so it
# would cost a SHA-512 per request and 128 bytes of cookie for nothing.
login_manager.session_protection = None
limiter = Limiter(key_func=get_remote_address, default_limits=[])
