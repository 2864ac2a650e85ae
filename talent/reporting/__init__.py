"""Ministry reports: SQL aggregates (queries), one suppression rule (suppression), filters
(periods), the written definitions (definitions) and the suppressed reports that pages, exports
and the JSON API share (reports).

Public entry points::

    filters, messages = parse_filters(request.args)            # never fails; messages for bad input
    national_summary(filters, actor=actor)  -> Report            # .as_json() for the API
    regions_table / region_centers / center_breakdown / fairness / mobility / trends
"""
from talent.reporting.periods import Filters, parse_filters  # noqa: F401
