from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class AssignmentForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    due_on = DateField(_l("Due date"), validators=[Optional()])
    note = TextAreaField(_l("Note for the pupils (optional)"), validators=[Length(max=500)])
