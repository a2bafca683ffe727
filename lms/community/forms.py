from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

KIND_LABELS = {
    "youth": _l("Youth union member"),
    "teacher": _l("Teacher"),
    "pupil": _l("Pupil aged 15 or more"),
    "other": _l("Other volunteer"),
}


class MemberForm(FlaskForm):
    """An existing account onto the village's team."""

    login = StringField(
        _l("Phone number, username or student code"), validators=[DataRequired(), Length(max=80)]
    )
    kind = SelectField(_l("Member as"), choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()])
    guardian_agreed_on = DateField(_l("For a pupil: the day a guardian agreed"), validators=[Optional()])


class NewMemberForm(FlaskForm):
    """A new adult's account, made for the team, with a first sign-in code."""

    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Phone number"), validators=[DataRequired(), Length(max=20)])
    kind = SelectField(
        _l("Member as"), choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items() if k != "pupil"]
    )


class ResidentForm(FlaskForm):
    """Learning together with a resident of the household: one already there, or a new one."""

    resident = HiddenField()
    full_name = StringField(_l("Name of the person learning"), validators=[Optional(), Length(max=120)])


class ResidentCodeForm(FlaskForm):
    """A first sign-in code for a resident who will learn on their own phone."""

    phone = StringField(_l("Their phone number"), validators=[DataRequired(), Length(max=20)])


class HouseholdSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only filters the list

    q = StringField(_l("Household code or head of household"), validators=[Optional(), Length(max=80)])
    show = SelectField(
        _l("Show"),
        choices=[
            SelectChoice("", _l("All households")),
            SelectChoice("none", _l("Nobody signed up")),
            SelectChoice("started", _l("Started")),
            SelectChoice("covered", _l("Covered")),
        ],
        validators=[Optional()],
    )
