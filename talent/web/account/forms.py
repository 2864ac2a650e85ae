from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

SERVICE_ROLES = (("ministry", _l("Ministry analyst")), ("center_admin", _l("Center administrator")),
                 ("admin", _l("System administrator")))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"placeholder": _l("e.g. enrollment import script")})


class ServiceTokenForm(FlaskForm):
    name = StringField(_l("Service name"), validators=[DataRequired(), Length(max=100)],
                       render_kw={"placeholder": _l("e.g. Employment agency")})
    role = SelectField(_l("Role"), choices=SERVICE_ROLES, validators=[DataRequired()])
    centers = SelectMultipleField(_l("Centers (for a center role)"), coerce=int, choices=[])
