"""Forms of the employer pages (talent/web/employer) and of the center's employer and vacancy pages
(shared, so they live in talent.web itself): shape only (the vacancy service checks the business:
pay range, closing date, ISCO code, skills)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from talent.catalog.models import Occupation, Skill
from talent.extensions import db
from talent.geo.models import Country, Region
from talent.placement.services.employer import DECLINE_REASON_MAX


class DeclineForm(FlaskForm):
    # Required by the service (decline_job); the center sees it.
    reason = TextAreaField(_l("Why is this not a job with you, as recorded?"),
                           validators=[Optional(), Length(max=DECLINE_REASON_MAX)])


class VacancyForm(FlaskForm):
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=200)])
    occupation_code = SelectField(_l("Occupation (ISCO-08)"), validators=[Optional()], validate_choice=False)
    skill_ids = SelectMultipleField(_l("Skills"), validators=[Optional()], validate_choice=False)
    country_code = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)
    region_id = SelectField(_l("Region (work in Azerbaijan)"), validators=[Optional()], validate_choice=False)
    openings = StringField(_l("Openings"), validators=[Optional(), Length(max=10)])
    pay_min_azn = StringField(_l("Monthly pay from (AZN, optional)"), validators=[Optional(), Length(max=20)])
    pay_max_azn = StringField(_l("Monthly pay up to (AZN, optional)"), validators=[Optional(), Length(max=20)])
    closes_on = StringField(_l("Closing date (YYYY-MM-DD)"), validators=[Optional(), Length(max=10)],
                            render_kw={"type": "date"})

    def fill_choices(self) -> None:
        occupations = db.session.scalars(select(Occupation).where(Occupation.level == "unit")
                                         .order_by(Occupation.code)).all()
        self.occupation_code.choices = [("", "—")] + [(o.code, f"{o.code} {o.name}") for o in occupations]
        skills = db.session.scalars(select(Skill).where(Skill.active.is_(True)).order_by(Skill.code)).all()
        self.skill_ids.choices = [(str(s.id), s.name) for s in skills]
        countries = db.session.scalars(select(Country)).all()
        az = [c for c in countries if c.code == "AZ"]
        rest = sorted((c for c in countries if c.code != "AZ"), key=lambda c: c.name)
        self.country_code.choices = [(c.code, f"{c.name} ({c.code})") for c in az + rest]
        regions = db.session.scalars(select(Region).order_by(Region.code)).all()
        self.region_id.choices = [("", "—")] + [(str(r.id), r.name) for r in regions]

    def vacancy_fields(self) -> dict:
        return {"title": self.title.data, "occupation_code": self.occupation_code.data,
                "skill_ids": list(self.skill_ids.data or []), "country_code": self.country_code.data,
                "region_id": self.region_id.data, "openings": self.openings.data,
                "pay_min_azn": self.pay_min_azn.data, "pay_max_azn": self.pay_max_azn.data,
                "closes_on": self.closes_on.data}


class CenterVacancyForm(VacancyForm):
    employer_id = SelectField(_l("Employer"), validators=[Optional()], validate_choice=False)
    center_id = SelectField(_l("Posted by the center"), validators=[Optional()], validate_choice=False)


class EmployerInviteForm(FlaskForm):
    employer_id = SelectField(_l("Employer"), validators=[Optional()], validate_choice=False)
    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
