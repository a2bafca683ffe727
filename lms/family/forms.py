from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.people.passwords import AcceptablePassword


def consent_field():
    """The guardian's consent (the privacy notice is linked beside it): pairing needs it."""
    return BooleanField(
        _l("I have read the privacy notice and agree to my child's data being processed as it says."),
        validators=[DataRequired(_l("Pairing needs your consent: tick the box after reading the notice."))],
    )


class PairForm(FlaskForm):
    code = StringField(_l("Code from the school's letter"), validators=[DataRequired(), Length(max=20)])
    consent = consent_field()


class SignupForm(FlaskForm):
    code = StringField(_l("Code from the school's letter"), validators=[DataRequired(), Length(max=20)])
    full_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Phone number"), validators=[DataRequired(), Length(max=20)])
    password = PasswordField(
        _l("Password (at least 8 characters)"),
        validators=[DataRequired(), Length(max=200), AcceptablePassword(phone_field="phone")],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    consent = consent_field()
