from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class CampaignForm(FlaskForm):
    name = StringField(_l("Campaign name"), validators=[DataRequired(), Length(max=200)])
    starts_on = DateField(_l("Start date"), validators=[DataRequired()])
    ends_on = DateField(_l("End date"), validators=[DataRequired()])


class TargetsForm(FlaskForm):
    primary = IntegerField(_l("Primary pupils (%)"), validators=[NumberRange(0, 100)])
    lower_secondary = IntegerField(_l("Lower-secondary pupils (%)"), validators=[NumberRange(0, 100)])
    teachers = IntegerField(_l("Teachers and staff (%)"), validators=[NumberRange(0, 100)])
    parents = IntegerField(_l("Parents (%)"), validators=[NumberRange(0, 100)])
    households = IntegerField(_l("Households (%)"), validators=[NumberRange(0, 100)])


class ActivityForm(FlaskForm):
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("digital-day", _l("Digital learning day (10/10)")),
            SelectChoice("community", _l("Community session")),
            SelectChoice("family", _l("Family session")),
            SelectChoice("training", _l("Training")),
            SelectChoice("other", _l("Other")),
        ],
    )
    participants = IntegerField(_l("Participants"), validators=[Optional(), NumberRange(0, 100000)])
