"""The public course catalog (issue 19): ``/catalog``, the open and planned cohorts anyone can
browse and filter (phone-first), and ``/catalog/cohorts/<id>``, one cohort's page with its course,
schedule, center, certification rules and seats. No sign-in; no person's data (the read model
``talent.readmodels.catalog`` builds both from cohorts, courses and centers only)."""
from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for

from talent.i18n import az_sort_key, current_language
from talent.readmodels.catalog import catalog_cohort, catalog_page, filter_choices, parse_filters, parse_page
from talent.web.public.blueprint import bp

# The application form of issue 19 (part 2) registers this endpoint; until it does, the cohort
# page renders without the button.
APPLY_ENDPOINT = "applications.apply"


def apply_url(cohort_id: int) -> str | None:
    if APPLY_ENDPOINT not in current_app.view_functions:
        return None
    return url_for(APPLY_ENDPOINT, cohort_id=cohort_id)


@bp.route("/catalog")
def catalog():
    """The catalog list. A filter that cannot be read (a date that is not a date, an unknown level)
    answers 400 with the form and its message, and no list; an unknown region or skill code is
    simply an empty list."""
    filters, errors = parse_filters(request.args)
    page = parse_page(request.args.get("page"))
    result = None if errors else catalog_page(filters, page=page)
    choices = filter_choices()
    language = current_language()
    regions = sorted(choices.regions, key=lambda r: az_sort_key(r.name_in(language)))
    skills = sorted(choices.skills, key=lambda s: az_sort_key(s.name_in(language)))
    html = render_template("public/catalog.html", result=result, filters=filters, errors=errors,
                           regions=regions, cities=sorted(choices.cities, key=az_sort_key), skills=skills,
                           language=language, args=filters.as_args())
    return html, (400 if errors else 200)


@bp.route("/catalog/cohorts/<int:cohort_id>")
def catalog_cohort_page(cohort_id: int):
    detail = catalog_cohort(cohort_id)
    if detail is None:
        abort(404)
    return render_template("public/catalog_cohort.html", detail=detail, cohort=detail.cohort,
                           course=detail.course, certification=detail.certification,
                           language=current_language(), apply_url=apply_url(cohort_id))
