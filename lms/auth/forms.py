from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.people.passwords import AcceptablePassword


class LoginForm(FlaskForm):
    login = StringField(_l("Username or phone number"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class ClassCodeForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only looks a class up

    code = StringField(_l("Class code"), validators=[DataRequired(), Length(max=12)])


class PinLoginForm(FlaskForm):
    pupil = HiddenField()
    pin = PasswordField(_l("PIN"), validators=[DataRequired(), Length(min=4, max=8)])


class SetupForm(FlaskForm):
    code = StringField(_l("Setup code"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(
        _l("New password (at least 8 characters)"),
        validators=[DataRequired(), Length(max=200), AcceptablePassword()],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
