"""Public certificate verification and credentials, for anyone (employers, embassies,
universities): the verification page, the Open Badges 3.0 credential (JSON and signed VC-JWT),
the issuer profile and the public keys."""
from __future__ import annotations

from flask import current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length

from talent.credentials import openbadges, signing
from talent.credentials.queries import award_by_code, award_by_serial_and_birth_date, verify
from talent.extensions import limiter
from talent.web.public.blueprint import bp
from talent.credentials.models import AwardStatus


def verify_rate_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT") or "60 per minute"


def serial_rate_limit() -> str:
    return current_app.config.get("VERIFY_SERIAL_RATE_LIMIT") or "10 per hour;20 per day"


def _serial_key() -> str:
    """Serial + birth date look-ups are limited per serial too (serials are sequential, birth
    dates few): guesses from many addresses at one certificate add up here."""
    serial = (request.form.get("serial") or "").strip().upper()[:20]
    return "verify-serial:" + ("".join(ch for ch in serial if ch.isalnum() or ch == "-") or "-")


def _missed(response) -> bool:
    return response.status_code == 404     # only a look-up that found nothing counts


class SerialLookupForm(FlaskForm):
    serial = StringField(_l("Serial number"), validators=[DataRequired(), Length(max=20)],
                         description=_l("As printed on the certificate, e.g. AZAI-2025-000123"))
    birth_date = DateField(_l("Holder's date of birth"), validators=[DataRequired()])


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _result_page(result, form=None):
    status = 404 if result.status == "not_found" else 200
    response = make_response(render_template("public/verify_result.html", result=result,
                                             form=form or SerialLookupForm(formdata=None)), status)
    return _no_store(response)


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(verify_rate_limit, methods=["POST"])
@limiter.limit(serial_rate_limit, methods=["POST"], key_func=_serial_key, deduct_when=_missed)
def verify_lookup():
    """Look a certificate up by its serial number and the holder's birth date (a POST, so the
    birth date never appears in a URL)."""
    form = SerialLookupForm()
    if request.method == "POST":
        if form.validate_on_submit():
            award = award_by_serial_and_birth_date(form.serial.data, form.birth_date.data)
            return _result_page(verify(award), form)
        return _no_store(make_response(render_template("public/verify.html", form=form), 422))
    return render_template("public/verify.html", form=form)


@bp.route("/verify/<path:code>")
@limiter.limit(verify_rate_limit)
def verify_page(code: str):
    return _result_page(verify(award_by_code(code, public=True)))


def _not_found_json():
    response = jsonify(status="not_found")
    response.status_code = 404
    return _no_store(response)


@bp.route("/credentials/<path:code>.json")
@limiter.limit(verify_rate_limit)
def credential_json(code: str):
    award = award_by_code(code)
    if award is None:
        return _not_found_json()
    response = jsonify(openbadges.credential(award))
    response.mimetype = "application/vc+ld+json" if request.args.get("as") == "vc" else "application/json"
    return _no_store(response)


@bp.route("/credentials/<path:code>.jwt")
@limiter.limit(verify_rate_limit)
def credential_jwt(code: str):
    award = award_by_code(code)
    if award is None:
        return _not_found_json()
    if award.revoked_at is not None:
        # A revoked credential is not signed again; its status says why.
        response = jsonify(status=AwardStatus.REVOKED)
        response.status_code = 410
        return _no_store(response)
    response = make_response(openbadges.credential_jwt(award))
    response.mimetype = "application/vc+jwt"
    return _no_store(response)


@bp.route("/issuer")
def issuer():
    response = jsonify(openbadges.issuer_profile(with_context=True))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/.well-known/jwks.json")
@limiter.exempt
def jwks():
    response = jsonify(signing.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

