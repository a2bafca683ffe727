"""Administration: schools, staff, rosters, accounts (routes.py), a unit's officials
(officials.py, whose routes join the same blueprint)."""

from lms.admin import officials  # noqa: F401  (registers its routes on admin.routes.bp)
