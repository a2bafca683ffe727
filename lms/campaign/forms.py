from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms import Form as SubForm
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.models.campaign import DEFAULT_TARGETS, INDICATORS
from lms.models.models_of_practice import MODELS

PERCENT = NumberRange(0, 100, message=_l("Targets are whole percentages from 0 to 100."))
PER_SCHOOL = NumberRange(1, 100, message=_l("Enter a whole number from 1 to 100."))

# What each indicator of a plan counts (lms.models.campaign.INDICATORS), as the plans name them.
INDICATOR_LABELS = {
    "primary": _l("Primary pupils"),
    "lower_secondary": _l("Lower-secondary pupils"),
    "teachers": _l("Teachers and staff"),
    "managers_teachers": _l("Managers and teachers of primary and lower-secondary schools"),
    "officials": _l("Officials of the ward or commune"),
    "parents": _l("Parents"),
    "households": _l("Households"),
    "village_households": _l("Households on the villages' lists"),
    "activities": _l("Outreach activities at the schools"),
}
INDICATOR_HINTS = {
    "teachers": _l("Managers, teachers and employees of all its schools, preschools included."),
    "managers_teachers": _l("Principals and teachers of its primary and lower-secondary schools only."),
    "officials": _l("The ward's or commune's own officials, civil servants and employees."),
    "households": _l("The families of its pupils and kindergarten children."),
    "village_households": _l(
        "Every household on its villages' lists (thôn, tổ dân phố), covered when one of its members "
        "completed the adult courses."
    ),
    "activities": _l(
        "Schools holding at least the number of activities below in the period, out of all its schools."
    ),
}


class NumberField(IntegerField):
    """A whole number that a submitted form leaves empty when it does not send it, as a
    cleared input: the new plan's defaults only fill the form shown."""

    def process_formdata(self, valuelist):
        if not valuelist:
            self.data = None
            return
        super().process_formdata(valuelist)


class IndicatorForm(SubForm):
    follow = BooleanField(_l("The plan follows this"))
    percent = NumberField(
        _l("Target (%)"),
        validators=[Optional(), PERCENT],
        description=_l("Empty: tracked without a target."),
    )


class ActivitiesForm(IndicatorForm):
    percent = NumberField(
        _l("Target: schools meeting it (%)"),
        validators=[Optional(), PERCENT],
        description=_l("Empty: tracked without a target."),
    )
    minimum = NumberField(
        _l("Activities per school, at least"), validators=[Optional(), PER_SCHOOL]
    )


def indicator_field(group: str) -> FormField:
    """A new plan follows today's five groups with their default targets (a single ward that
    never chooses sees no change); activities start at one per school."""

    def default() -> dict:
        data = {"follow": group in DEFAULT_TARGETS, "percent": DEFAULT_TARGETS.get(group)}
        return {**data, "minimum": 1} if group == "activities" else data

    form_class = ActivitiesForm if group == "activities" else IndicatorForm
    return FormField(
        form_class, INDICATOR_LABELS[group], default=default, description=INDICATOR_HINTS.get(group, "")
    )


class CampaignForm(FlaskForm):
    """A plan: its name, period and the indicators it follows, each with a target or none."""

    name = StringField(_l("Campaign name"), validators=[DataRequired(), Length(max=200)])
    starts_on = DateField(_l("Start date"), validators=[DataRequired()])
    ends_on = DateField(_l("End date"), validators=[DataRequired()])
    primary = indicator_field("primary")
    lower_secondary = indicator_field("lower_secondary")
    teachers = indicator_field("teachers")
    managers_teachers = indicator_field("managers_teachers")
    officials = indicator_field("officials")
    parents = indicator_field("parents")
    households = indicator_field("households")
    village_households = indicator_field("village_households")
    activities = indicator_field("activities")

    @classmethod
    def for_campaign(cls, campaign) -> "CampaignForm":
        """The form filled with what a plan holds now."""
        followed = campaign.indicators
        data = {
            g: {"follow": g in followed, "percent": campaign.target(g) if g in followed else None}
            for g in INDICATORS
        }
        data["activities"]["minimum"] = campaign.minimum("activities")
        period = {"name": campaign.name, "starts_on": campaign.starts_on, "ends_on": campaign.ends_on}
        return cls(data={**period, **data})

    def indicator_fields(self) -> list[FormField]:
        return [self[g] for g in INDICATORS]

    def chosen(self) -> dict[str, tuple[int | None, int | None]]:
        """The followed indicators: {group: (target percent or None, minimum or None)}."""
        chosen = {}
        for g in INDICATORS:
            sub = self[g].form
            if sub.follow.data:
                chosen[g] = (sub.percent.data, sub.minimum.data if g == "activities" else None)
        return chosen

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        start, end = self.starts_on.data, self.ends_on.data
        if start and end and end <= start:
            self.ends_on.errors.append(_l("The end date comes after the start date."))
            valid = False
        if not self.chosen():
            self.form_errors.append(_l("A plan follows at least one indicator."))
            valid = False
        activities = self.activities.form
        if activities.follow.data and not activities.minimum.data and not activities.minimum.errors:
            activities.minimum.errors.append(_l("Enter how many activities a school holds, at least."))
            valid = False
        return valid


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
            SelectChoice("event", _l("Another event day")),
            SelectChoice("community", _l("Community session")),
            SelectChoice("family", _l("Family session")),
            SelectChoice("training", _l("Training")),
            SelectChoice("other", _l("Other")),
        ],
        default="other",
    )
    participants = IntegerField(_l("Participants"), validators=[Optional(), NumberRange(0, 100000)])


class NominationForm(FlaskForm):
    """A subject marked as a nominee for a model (lms.models.MODELS) in a year."""

    model = SelectField(choices=[SelectChoice(m, m) for m in MODELS])
    year = IntegerField(validators=[DataRequired(), NumberRange(2000, 2100)])
    subject = IntegerField(validators=[DataRequired(), NumberRange(1)])
