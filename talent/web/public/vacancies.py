"""The public list of open vacancies (/vacancies, phone-first, az/en/ru): no sign-in, no personal
data; filters by words, occupation group, skill, region and country."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from talent.catalog.models import Occupation, Skill
from talent.centers.queries import page_number
from talent.extensions import db
from talent.geo.models import Country, Region
from talent.placement import vacancy_queries
from talent.placement.models import Vacancy
from talent.web.public.blueprint import bp

PER_PAGE = 20
FILTERS = ("q", "occupation", "skill", "region", "country", "sort")


@bp.route("/vacancies")
def vacancies():
    args = {name: (request.args.get(name) or "").strip()[:100] for name in FILTERS}
    if args["occupation"] and not args["occupation"].isdecimal():
        args["occupation"] = ""
    stmt = vacancy_queries.public_vacancies(args)
    page = db.paginate(stmt, page=page_number(request.args.get("page")), per_page=PER_PAGE, error_out=False)
    groups = db.session.scalars(select(Occupation).where(Occupation.level == "major")
                                .order_by(Occupation.code)).all()
    skills = db.session.scalars(select(Skill).where(Skill.active.is_(True)).order_by(Skill.code)).all()
    regions = db.session.scalars(select(Region).order_by(Region.code)).all()
    used = select(Vacancy.country_code).distinct()
    countries = db.session.scalars(select(Country).where(Country.code.in_(used)).order_by(Country.code)).all()
    return render_template("public/vacancies.html", page=page, args=args, groups=groups, skills=skills,
                           regions=regions, countries=countries)
