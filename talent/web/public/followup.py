"""The graduate's follow-up form, opened from the private link of a follow-up wave (no sign-in).

Shown in the graduate's language (the one the mail was written in) unless the visitor chose
another with the language switch. A tampered, expired, replaced or used link gets a clear page
(410) and nothing is written; the form is CSRF-protected and rate limited."""
from __future__ import annotations

from contextlib import nullcontext

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import force_locale, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from talent.catalog.models import Occupation
from talent.errors import ValidationError
from talent.extensions import db, limiter
from talent.geo.models import Country
from talent.labels import EMPLOYMENT_TYPE
from talent.placement import followup
from talent.web.context import client_ip
from talent.web.forms import apply_errors

bp = Blueprint("followup", __name__)

SITUATIONS = {"employed": _l("Yes, I am working"), "not_working": _l("No, I am not working at the moment"),
              "studying": _l("I am studying")}
PAY_BANDS = {"lt500": _l("Less than 500 AZN a month"), "500_999": _l("500–999 AZN a month"),
             "1000_1999": _l("1,000–1,999 AZN a month"), "2000_3499": _l("2,000–3,499 AZN a month"),
             "3500_plus": _l("3,500 AZN a month or more"), "undisclosed": _l("I prefer not to say")}


class AnswerForm(FlaskForm):
    situation = RadioField(_l("Are you working now?"), validators=[DataRequired()],
                           choices=[SelectChoice(k, v) for k, v in SITUATIONS.items()])
    employer_name = StringField(_l("Employer"), validators=[Optional(), Length(max=200)])
    country_code = SelectField(_l("Country"), validators=[Optional()])
    occupation_code = SelectField(_l("Occupation (ISCO-08)"), validators=[Optional()])
    job_title = StringField(_l("Job title (optional)"), validators=[Optional(), Length(max=200)])
    employment_type = SelectField(_l("Employment type"), validators=[Optional()],
                                  choices=[SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in EMPLOYMENT_TYPE.items()])
    start_date = DateField(_l("Working there since"), validators=[Optional()])
    pay_band = SelectField(_l("Monthly pay"), validators=[Optional()], choices=[SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in PAY_BANDS.items()])
    remote = BooleanField(_l("I work remotely"))

    def fill_choices(self) -> None:
        countries = db.session.scalars(select(Country)).all()
        countries.sort(key=lambda c: (c.code != "AZ", c.name))
        self.country_code.choices = [SelectChoice(c.code, c.name) for c in countries]
        occupations = db.session.scalars(select(Occupation).where(Occupation.level == "unit")
                                         .order_by(Occupation.code)).all()
        self.occupation_code.choices = [SelectChoice("", "—")] + [SelectChoice(o.code, f"{o.code} {o.name}")
                                                                  for o in occupations]

    def answer_fields(self) -> dict:
        return {name: getattr(self, name).data for name in ("situation", "employer_name", "country_code",
                                                             "occupation_code", "job_title", "employment_type",
                                                             "start_date", "pay_band", "remote")}


def _language_of(request_language: str):
    """The graduate's language for the page, unless the visitor picked one with the switch."""
    chosen = session.get("lang") or request.cookies.get(current_app.config.get("LANGUAGE_COOKIE_NAME", "talent_lang"))
    if chosen in current_app.config["LANGUAGES"]:
        return nullcontext()
    return force_locale(request_language)


def _invalid(error: followup.FollowUpLinkInvalid):
    with _language_of(error.language) if error.language else nullcontext():
        return render_template("public/followup_invalid.html", message=error.message), 410


@bp.route("/followup/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def answer(token: str):
    try:
        open_request = followup.request_for_token(token)
    except followup.FollowUpLinkInvalid as error:
        return _invalid(error)
    language = open_request.language
    with _language_of(language):
        form = AnswerForm()
        form.fill_choices()
        if request.method == "GET":
            form.country_code.data = form.country_code.data or "AZ"
        status = 200
        if request.method == "POST":
            status = 422
            if form.validate_on_submit():
                try:
                    followup.answer(token, form.answer_fields(), ip=client_ip())
                except followup.FollowUpLinkInvalid as error:
                    return _invalid(error)
                except ValidationError as error:
                    apply_errors(form, error)
                else:
                    return redirect(url_for("followup.thanks", lang=language))
        return render_template("public/followup_form.html", form=form, wave=open_request.wave,
                               first_name=open_request.trainee.first_name), status


@bp.route("/followup/thanks")
def thanks():
    language = request.args.get("lang")
    context = _language_of(language) if language in current_app.config["LANGUAGES"] else nullcontext()
    with context:
        return render_template("public/followup_thanks.html")
