from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import Select

from lms.formatting import format_day
from lms.models.base import today_in_vietnam


class CourseSelect(Select):
    """WTForms' select, writing a plain option directly: its own way builds each option's
    attributes through html_params, and the class page offers every course of the level."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or not isinstance(choice.value, int) or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""  # html_params' order: sorted names
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{choice.value}">{label}</option>')  # noqa: S704 - an int, escaped


class AssignmentForm(FlaskForm):
    """A due date is never before the day the course was assigned, nor (once changed) before
    today: a date in the past would make the class overdue the moment it is saved. An old
    assignment whose date has passed keeps that date when only its note is edited."""

    course_id = SelectField(
        _l("Course"),
        coerce=int,
        widget=CourseSelect(),
        validate_choice=False,  # validate_course_id says which choice is wrong, in our words
        validators=[DataRequired(message=_l("Choose a course of the class's level."))],
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])
    note = TextAreaField(_l("Note for the pupils (optional)"), validators=[Length(max=500)])

    def __init__(self, *args, assigned_on: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today_in_vietnam()
        self.assigned_on = assigned_on or self.today
        self.editing = kwargs.get("obj") is not None  # the course of an assignment stays
        self.saved_due_on = kwargs["obj"].due_on if self.editing else None
        if self.saved_due_on is None or self.saved_due_on >= self.today:
            # The phone's date picker offers no day before today (the server checks anyway).
            self.due_on.render_kw = {"min": self.today.isoformat()}

    def validate_course_id(self, field):
        if not self.editing and field.data not in {choice[0] for choice in field.iter_choices()}:
            raise ValidationError(_("Choose a course of the class's level."))

    def validate_due_on(self, field):
        due = field.data
        if due is None:
            return
        if due < self.assigned_on:
            raise ValidationError(
                _(
                    "The due date cannot be before the day the course was assigned (%(date)s).",
                    date=format_day(self.assigned_on),
                )
            )
        if due < self.today and due != self.saved_due_on:
            raise ValidationError(_("The due date cannot be in the past: choose today or a later day."))
