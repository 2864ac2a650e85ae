"""The objectives' metrics, scopes and progress statuses as people read them."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

METRIC_LABELS = {
    "enrolled": _l("Enrolled"), "completed": _l("Completed"), "certified": _l("Certified"),
    "placed": _l("Placed"), "completion_rate": _l("Completion rate %"),
    "certification_rate": _l("Certification rate %"), "placement_rate": _l("Placement rate at 6 months %"),
    "employment_q2_rate": _l("Employment rate in the 2nd quarter after exit %"),
    "employment_q4_rate": _l("Employment rate in the 4th quarter after exit %"),
    "median_pay_q2": _l("Median monthly pay in the 2nd quarter after exit (AZN)"),
    "credential_rate": _l("Credential attainment within a year of exit %"),
}
GENDER_LABELS = {"F": _l("Women"), "M": _l("Men")}
MARKET_LABELS = {"local": _l("Local"), "regional": _l("Regional"), "international": _l("International")}
SCOPE_LABELS = {"national": _l("National"), "region": _l("Region"), "skill": _l("Skill"), "sector": _l("Sector")}
STATUS_LABELS = {"on_track": _l("On track"), "at_risk": _l("At risk"), "behind": _l("Behind"),
                 "achieved": _l("Achieved"), "missed": _l("Missed"), "no_data": _l("Not enough data")}
