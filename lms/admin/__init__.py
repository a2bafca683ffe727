"""Administration: schools, staff, rosters, accounts (routes.py), a unit's officials
(officials.py), its villages' household lists (villages.py) and the access log
(access_log.py), whose routes join the same blueprint."""

from lms.admin import access_log, officials, villages  # noqa: F401  (register their routes on admin.routes.bp)
