from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField


class RosterForm(FlaskForm):
    file = FileField(
        _l("Roster file (CSV or Excel .xlsx)"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Only .csv or .xlsx files."))],
    )
    dry_run = BooleanField(_l("Only check, do not save"), default=True)
