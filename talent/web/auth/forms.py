from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])


class TwoFactorForm(FlaskForm):
    """The second sign-in step: a 6-digit code from the app, or one recovery code."""
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=64)],
                       render_kw={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"})


class TotpCodeForm(FlaskForm):
    """A 6-digit code from the authenticator app (enrolment and re-authentication)."""
    code = StringField(_l("6-digit code"), validators=[DataRequired(), Length(max=16)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"})
