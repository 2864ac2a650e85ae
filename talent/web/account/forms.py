from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

SERVICE_ROLES = (("ministry", _l("Ministry analyst")), ("center_admin", _l("Center administrator")),
                 ("admin", _l("System administrator")))


class _ConfirmIdentity:
    """Creating a token asks who is at the keyboard: the password, and the second factor if set up."""
    days = IntegerField(_l("Valid for (days)"), validators=[Optional()],
                        render_kw={"inputmode": "numeric", "min": 1})
    current_password = PasswordField(_l("Your current password"), validators=[DataRequired(), Length(max=256)],
                                     render_kw={"autocomplete": "current-password"})
    code = StringField(_l("Code from your authenticator app"), validators=[Optional(), Length(max=64)],
                       render_kw={"autocomplete": "one-time-code", "spellcheck": "false"})


class TokenForm(_ConfirmIdentity, FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"placeholder": _l("e.g. enrollment import script")})


class ServiceTokenForm(_ConfirmIdentity, FlaskForm):
    name = StringField(_l("Service name"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"placeholder": _l("e.g. Employment agency")})
    role = SelectField(_l("Role"), choices=SERVICE_ROLES, validators=[DataRequired()])
    centers = SelectMultipleField(_l("Centers (for a center role)"), coerce=int, choices=[])
