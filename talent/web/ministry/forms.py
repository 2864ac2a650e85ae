"""Forms of the ministry area. Shape only; the objectives service checks the rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from talent.objectives.labels import GENDER_LABELS, MARKET_LABELS, METRIC_LABELS, SCOPE_LABELS


class ObjectiveForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English, optional)"), validators=[Optional(), Length(max=200)])
    title_ru = StringField(_l("Title (Russian, optional)"), validators=[Optional(), Length(max=200)])
    metric = SelectField(_l("Metric"), choices=[(k, v) for k, v in METRIC_LABELS.items()])
    scope = SelectField(_l("Scope"), choices=[(k, v) for k, v in SCOPE_LABELS.items()])
    region_id = SelectField(_l("Region (for a regional objective)"), coerce=str, validate_choice=False)
    skill_id = SelectField(_l("Skill (for a skill objective)"), coerce=str, validate_choice=False)
    sector_id = SelectField(_l("Sector (for a sector objective)"), coerce=str, validate_choice=False)
    gender = SelectField(_l("Group"), choices=[("", _l("Everyone"))] + [(k, v) for k, v in GENDER_LABELS.items()],
                         validate_choice=False)
    market = SelectField(_l("Market (placements and the employment indicators only)"),
                         choices=[("", _l("Any market"))] + [(k, v) for k, v in MARKET_LABELS.items()],
                         validate_choice=False)
    baseline_year = IntegerField(_l("Baseline year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    baseline_value = DecimalField(_l("Baseline value"), validators=[Optional(), NumberRange(min=0)], default=0)
    deadline_year = IntegerField(_l("Deadline year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    target_value = DecimalField(_l("Target value (a percentage for rates)"),
                                validators=[DataRequired(), NumberRange(min=0)])

    def values(self) -> dict:
        return {"title": self.title.data, "title_en": self.title_en.data, "title_ru": self.title_ru.data,
                "metric": self.metric.data, "scope": self.scope.data,
                "region_id": self.region_id.data or None, "skill_id": self.skill_id.data or None,
                "sector_id": self.sector_id.data or None, "gender": self.gender.data or None,
                "market": self.market.data or None, "baseline_year": self.baseline_year.data,
                "baseline_value": self.baseline_value.data if self.baseline_value.data is not None else 0,
                "deadline_year": self.deadline_year.data, "target_value": self.target_value.data}
