"""Administration forms: they check shape only; the services check the business rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from talent.accounts.models import ROLES
from talent.catalog.models import LEVELS, Certification, Sector, Skill
from talent.centers.models import Center
from talent.extensions import db
from talent.geo.models import Region
from talent.labels import choices as label_choices
from talent.i18n import current_language
from talent.web.templating import LANGUAGE_NAMES
from talent.placement.models import Employer

LEVEL_LABELS = {"foundation": _l("Foundation"), "intermediate": _l("Intermediate"), "advanced": _l("Advanced")}
LANGUAGE_LABELS = {"az": "Azərbaycanca", "en": "English", "ru": "Русский"}
ROLE_LABELS = {"admin": _l("System administrator"), "center_admin": _l("Center administrator"),
               "trainee": _l("Trainee"), "ministry": _l("Ministry analyst"), "employer": _l("Employer")}


def _label(row, text: str) -> str:
    return text if getattr(row, "active", True) else f"{text} ({_l('inactive')})"


def _choices(model, label, *, blank: bool = False):
    rows = db.session.scalars(select(model).order_by(model.code)).all()
    choices = [(str(r.id), _label(r, label(r))) for r in rows]
    return ([("", "—")] if blank else []) + choices


class AdminForm(FlaskForm):
    def fill_choices(self) -> None:
        pass

    def service_fields(self) -> dict:
        return {name: f.data for name, f in self._fields.items() if name != "csrf_token"}


class CenterForm(AdminForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    region_id = SelectField(_l("Region"), validators=[DataRequired()])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    capacity = StringField(_l("Capacity (trainees at once)"), validators=[DataRequired(), Length(max=7)])

    def fill_choices(self) -> None:
        regions = db.session.scalars(select(Region).order_by(Region.name_az)).all()
        self.region_id.choices = [("", "—")] + [(str(r.id), r.name) for r in regions]


class SectorForm(AdminForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_az = StringField(_l("Name (Azerbaijani)"), validators=[DataRequired(), Length(max=160)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=160)])
    name_ru = StringField(_l("Name (Russian)"), validators=[DataRequired(), Length(max=160)])


class SkillForm(SectorForm):
    esco_uri = StringField(_l("ESCO skill URI"), validators=[Optional(), Length(max=255)])


class CertificationForm(AdminForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    name_az = StringField(_l("Name (Azerbaijani)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    name_ru = StringField(_l("Name (Russian, optional)"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=2000)])
    criteria = TextAreaField(_l("Criteria"), validators=[Optional(), Length(max=2000)])
    skill_id = SelectField(_l("Skill"), validators=[DataRequired()])
    level = SelectField(_l("Level"), choices=[(k, v) for k, v in LEVEL_LABELS.items()])
    pass_mark = StringField(_l("Pass mark (0–100)"), validators=[DataRequired(), Length(max=3)], default="60")
    min_attendance = StringField(_l("Minimum attendance % (0–100)"), validators=[DataRequired(), Length(max=3)],
                                 default="80")
    validity_months = StringField(_l("Valid for (months, empty = no expiry)"), validators=[Optional(), Length(max=3)])

    def fill_choices(self) -> None:
        self.skill_id.choices = [("", "—")] + _choices(Skill, lambda s: f"{s.code} · {s.name}")


class CourseForm(AdminForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    title_az = StringField(_l("Title (Azerbaijani)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    title_ru = StringField(_l("Title (Russian, optional)"), validators=[Optional(), Length(max=200)])
    description_az = TextAreaField(_l("Description for the public catalog (Azerbaijani)"),
                                   validators=[Optional(), Length(max=2000)])
    description_en = TextAreaField(_l("Description for the public catalog (English)"),
                                   validators=[Optional(), Length(max=2000)])
    description_ru = TextAreaField(_l("Description for the public catalog (Russian)"),
                                   validators=[Optional(), Length(max=2000)])
    level = SelectField(_l("Level"), choices=[(k, v) for k, v in LEVEL_LABELS.items()])
    hours = StringField(_l("Hours"), validators=[DataRequired(), Length(max=5)])
    language = SelectField(_l("Language of teaching"), choices=list(LANGUAGE_LABELS.items()))
    certification_id = SelectField(_l("Leads to certification"), validators=[Optional()])
    sector_id = SelectField(_l("Sector"), validators=[Optional()])
    skill_ids = SelectMultipleField(_l("Skills taught"), validators=[Optional()])
    # Who may apply online (issue 19)
    min_education_level = SelectField(_l("Applicants' lowest education level (optional)"), validators=[Optional()],
                                      choices=[("", "—")] + label_choices("education"))
    min_age = StringField(_l("Applicants' lowest age on the start date (optional)"), validators=[Optional(), Length(max=3)])
    max_age = StringField(_l("Applicants' highest age on the start date (optional)"), validators=[Optional(), Length(max=3)])
    required_certification_id = SelectField(_l("Certification applicants must already hold (optional)"),
                                            validators=[Optional()])

    def fill_choices(self) -> None:
        self.certification_id.choices = _choices(Certification, lambda c: f"{c.code} · {c.name}", blank=True)
        self.required_certification_id.choices = _choices(Certification, lambda c: f"{c.code} · {c.name}", blank=True)
        self.sector_id.choices = _choices(Sector, lambda s: s.name, blank=True)
        self.skill_ids.choices = _choices(Skill, lambda s: f"{s.code} · {s.name}")


class UserForm(AdminForm):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[(k, v) for k, v in ROLE_LABELS.items() if k in ROLES])
    password = PasswordField(_l("Initial password (optional: leave it empty and the user gets an invitation by mail)"),
                             validators=[Optional(), Length(max=200)])
    centers = SelectMultipleField(_l("Centers (center administrators only)"), validators=[Optional()])
    locale = SelectField(_l("Language of their invitation and messages"), validators=[Optional()])
    employer_id = SelectField(_l("Employer (employer users only)"), validators=[Optional()], validate_choice=False)

    def fill_choices(self) -> None:
        self.centers.choices = _choices(Center, lambda c: f"{c.code} · {c.name}")
        self.locale.choices = list(LANGUAGE_NAMES.items())
        if not self.locale.data:
            self.locale.data = current_language()
        employers = db.session.scalars(select(Employer).order_by(Employer.name, Employer.id)).all()
        self.employer_id.choices = [("", "—")] + [(str(e.id), f"{e.name} ({e.country_code})") for e in employers]


class UserCentersForm(AdminForm):
    centers = SelectMultipleField(_l("Centers"), validators=[Optional()])

    def fill_choices(self) -> None:
        self.centers.choices = _choices(Center, lambda c: f"{c.code} · {c.name}")
