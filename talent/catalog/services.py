"""The catalog: sectors, AI skills, certifications and courses. The only code that writes them.

Each entity has ``create_<x>(actor, **fields)``, ``update_<x>(actor, id, **fields)`` (fields not
given keep their value) and ``set_<x>_active(actor, id, active)``. Nothing is ever deleted:
reports and awards keep pointing at deactivated entries, which simply stop being offered.
Fields arrive as plain values or their text form (a form or JSON body); every bad field is named
in one ValidationError and nothing is written.
"""
from __future__ import annotations

import re
from typing import Any, Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent import audit
from talent.catalog.models import EDUCATION_ORDER, LEVELS, Certification, Course, Sector, Skill
from talent.errors import NotFound, ValidationError
from talent.extensions import db
from talent.permissions import Actor, P, require
from talent.validation import has_control_chars, parse_int

CHECK_MESSAGE = _l("Please correct the marked fields.")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_.\-]*$")
COURSE_LANGUAGES = ("az", "en", "ru")


class FieldChecker:
    """Collects converted values and per-field messages for one ValidationError."""

    def __init__(self, fields: dict[str, Any], allowed: tuple[str, ...]):
        self.fields = fields
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {name: str(_l("Unknown field.")) for name in sorted(set(fields) - set(allowed))}

    def fail(self, name: str, message) -> None:
        self.errors.setdefault(name, str(message))

    def text(self, name: str, max_len: int, *, required: bool = True, multiline: bool = False) -> str | None:
        raw = self.fields.get(name)
        value = "" if raw is None else str(raw).strip()
        if not multiline:
            value = " ".join(value.split())
        if not value:
            if required:
                self.fail(name, _l("This field is required."))
            self.values[name] = None if not required else ""
            return self.values[name]
        if len(value) > max_len:
            self.fail(name, _l("At most %(n)d characters.", n=max_len))
        if has_control_chars(value):
            self.fail(name, _l("The text contains characters that are not allowed."))
        self.values[name] = value
        return value

    def code(self, name: str = "code", max_len: int = 40) -> str:
        value = (self.text(name, max_len) or "").upper()
        if value and name not in self.errors and not CODE_PATTERN.match(value):
            self.fail(name, _l("Use capital Latin letters, digits, '-', '_' or '.'."))
        self.values[name] = value
        return value

    def integer(self, name: str, low: int, high: int, *, required: bool = True) -> int | None:
        raw = self.fields.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.fail(name, _l("This field is required."))
            self.values[name] = None
            return None
        value = parse_int(raw)  # a bool is not a number: str(True) is "True"
        if value is None:
            self.fail(name, _l("Enter a whole number."))
            self.values[name] = None
            return None
        if not low <= value <= high:
            self.fail(name, _l("Enter a number from %(low)d to %(high)d.", low=low, high=high))
        self.values[name] = value
        return value

    def choice(self, name: str, choices: tuple[str, ...]) -> str:
        value = str(self.fields.get(name) or "").strip().lower()
        if value not in choices:
            self.fail(name, _l("Choose a value from the list."))
        self.values[name] = value
        return value

    def reference(self, name: str, model, *, required: bool = True, active_only: bool = True):
        """An id of another row (e.g. ``skill_id``); a deactivated one may stay if unchanged."""
        value = self.integer(name, 1, 2**31 - 1, required=required)
        if value is None:
            return None
        row = db.session.get(model, value)
        if row is None or (active_only and not getattr(row, "active", True)
                           and getattr(self, "current_refs", {}).get(name) != value):
            self.fail(name, _l("Choose a value from the list."))
        return row

    def boolean(self, name: str) -> bool:
        raw = self.fields.get(name)
        value = raw if isinstance(raw, bool) else str(raw or "").strip().lower() in {"1", "true", "yes", "y", "on"}
        self.values[name] = value
        return value

    def raise_if_errors(self) -> None:
        if self.errors:
            raise ValidationError(CHECK_MESSAGE, fields=self.errors)


def check_unique_code(model, code: str, current_id: Any = None, field: str = "code") -> None:
    stmt = select(model).where(model.code == code)
    existing = db.session.scalars(stmt).first()
    if existing is not None and (current_id is None or existing.id != current_id):
        raise ValidationError(CHECK_MESSAGE, fields={field: str(_l("This code is already in use."))})


def merged(obj, fields: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """Current values of ``obj`` overlaid with the fields given (partial update)."""
    base = {name: getattr(obj, name) for name in names if hasattr(obj, name)}
    base.update(fields)
    return base


def apply_changes(obj, values: dict[str, Any]) -> list[str]:
    changed = []
    for name, value in values.items():
        if getattr(obj, name, None) != value:
            setattr(obj, name, value)
            changed.append(name)
    return changed


def _set_active(actor: Actor, model, entity: str, obj_id: int, active: bool):
    require(actor, P.CATALOG_MANAGE)
    obj = get_or_404(model, obj_id)
    if obj.active != bool(active):
        obj.active = bool(active)
        db.session.flush()
        audit.record(actor, f"{entity}.{'activate' if active else 'deactivate'}", entity, obj.id)
    return obj


def get_or_404(model, obj_id):
    try:
        obj = db.session.get(model, int(obj_id))
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise NotFound(_l("Not found."))
    return obj


def _save(actor: Actor, model, entity: str, cleaner: Callable[[FieldChecker], None], names: tuple[str, ...],
          fields: dict[str, Any], obj_id: Any = None):
    require(actor, P.CATALOG_MANAGE)
    obj = get_or_404(model, obj_id) if obj_id is not None else None
    checker = FieldChecker(merged(obj, fields, names) if obj is not None else fields, names)
    if obj is not None:
        checker.current_refs = {n: getattr(obj, n) for n in names if n.endswith("_id")}
    cleaner(checker)
    checker.raise_if_errors()
    values = checker.values
    check_unique_code(model, values["code"], obj.id if obj is not None else None)
    skill_ids = values.pop("skill_ids", None)
    if obj is None:
        obj = model(**values)
        db.session.add(obj)
        changed = sorted(values)
    else:
        changed = apply_changes(obj, values)
    if skill_ids is not None:
        skills = list(db.session.scalars(select(Skill).where(Skill.id.in_(skill_ids)).order_by(Skill.code)))
        if sorted(s.id for s in obj.skills) != sorted(s.id for s in skills):
            obj.skills = skills
            changed.append("skills")
    db.session.flush()
    audit.record(actor, f"{entity}.{'create' if obj_id is None else 'update'}", entity, obj.id,
                 details={"code": obj.code, "changed": changed})
    return obj


# ---- sectors and skills --------------------------------------------------------------------

SECTOR_FIELDS = ("code", "name_az", "name_en", "name_ru")
SKILL_FIELDS = SECTOR_FIELDS + ("esco_uri",)


def _clean_names(c: FieldChecker, max_len: int = 160) -> None:
    c.code()
    for name in ("name_az", "name_en", "name_ru"):
        c.text(name, max_len)


def _clean_skill(c: FieldChecker) -> None:
    _clean_names(c)
    uri = c.text("esco_uri", 255, required=False)
    if uri and not re.match(r"^https?://\S+$", uri):
        c.fail("esco_uri", _l("Enter a web address starting with http:// or https://."))


def create_sector(actor: Actor, **fields) -> Sector:
    return _save(actor, Sector, "sector", _clean_names, SECTOR_FIELDS, fields)


def update_sector(actor: Actor, sector_id: int, **fields) -> Sector:
    return _save(actor, Sector, "sector", _clean_names, SECTOR_FIELDS, fields, sector_id)


def set_sector_active(actor: Actor, sector_id: int, active: bool) -> Sector:
    return _set_active(actor, Sector, "sector", sector_id, active)


def create_skill(actor: Actor, **fields) -> Skill:
    return _save(actor, Skill, "skill", _clean_skill, SKILL_FIELDS, fields)


def update_skill(actor: Actor, skill_id: int, **fields) -> Skill:
    return _save(actor, Skill, "skill", _clean_skill, SKILL_FIELDS, fields, skill_id)


def set_skill_active(actor: Actor, skill_id: int, active: bool) -> Skill:
    return _set_active(actor, Skill, "skill", skill_id, active)


# ---- certifications ------------------------------------------------------------------------

CERTIFICATION_FIELDS = ("code", "name_az", "name_en", "name_ru", "description", "criteria", "skill_id", "level",
                        "pass_mark", "min_attendance", "validity_months")


def _clean_certification(c: FieldChecker) -> None:
    c.code()
    c.text("name_az", 200)
    c.text("name_en", 200)
    c.text("name_ru", 200, required=False)
    c.text("description", 2000, required=False, multiline=True)
    c.text("criteria", 2000, required=False, multiline=True)
    c.reference("skill_id", Skill)
    c.choice("level", LEVELS)
    c.integer("pass_mark", 0, 100)
    c.integer("min_attendance", 0, 100)
    c.integer("validity_months", 1, 600, required=False)


def create_certification(actor: Actor, **fields) -> Certification:
    return _save(actor, Certification, "certification", _clean_certification, CERTIFICATION_FIELDS, fields)


def update_certification(actor: Actor, certification_id: int, **fields) -> Certification:
    return _save(actor, Certification, "certification", _clean_certification, CERTIFICATION_FIELDS, fields,
                 certification_id)


def set_certification_active(actor: Actor, certification_id: int, active: bool) -> Certification:
    return _set_active(actor, Certification, "certification", certification_id, active)


# ---- courses -------------------------------------------------------------------------------

COURSE_FIELDS = ("code", "title_az", "title_en", "title_ru", "description_az", "description_en", "description_ru",
                 "level", "hours", "language", "certification_id", "sector_id", "skill_ids",
                 "min_education_level", "min_age", "max_age", "required_certification_id")


def _clean_course(c: FieldChecker) -> None:
    c.code()
    c.text("title_az", 200)
    c.text("title_en", 200)
    c.text("title_ru", 200, required=False)
    for language in ("az", "en", "ru"):
        c.text(f"description_{language}", 2000, required=False, multiline=True)
    c.choice("level", LEVELS)
    c.integer("hours", 1, 10000)
    c.choice("language", COURSE_LANGUAGES)
    c.reference("certification_id", Certification, required=False)
    c.reference("sector_id", Sector, required=False)
    # Who may apply online (issue 19): all optional.
    if str(c.fields.get("min_education_level") or "").strip():
        c.choice("min_education_level", EDUCATION_ORDER)
    else:
        c.values["min_education_level"] = None
    low = c.integer("min_age", 14, 80, required=False)
    high = c.integer("max_age", 14, 80, required=False)
    if low is not None and high is not None and low > high:
        c.fail("max_age", _l("The highest age must not be below the lowest."))
    c.reference("required_certification_id", Certification, required=False)
    raw = c.fields.get("skill_ids")
    if raw is None:
        return
    try:
        ids = sorted({int(v) for v in raw})
    except (TypeError, ValueError):
        c.fail("skill_ids", _l("Choose skills from the list."))
        return
    if ids:
        found = set(db.session.scalars(select(Skill.id).where(Skill.id.in_(ids))))
        if found != set(ids):
            c.fail("skill_ids", _l("Choose skills from the list."))
    c.values["skill_ids"] = ids


def create_course(actor: Actor, **fields) -> Course:
    return _save(actor, Course, "course", _clean_course, COURSE_FIELDS, fields)


def update_course(actor: Actor, course_id: int, **fields) -> Course:
    return _save(actor, Course, "course", _clean_course, COURSE_FIELDS, fields, course_id)


def set_course_active(actor: Actor, course_id: int, active: bool) -> Course:
    return _set_active(actor, Course, "course", course_id, active)
