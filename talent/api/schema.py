"""Small declarative schemas for the API: one definition both checks a request (types, required
and unknown fields, ranges; field-level messages) and describes it in the OpenAPI document.

    CohortIn = Schema("CohortIn", {
        "code": F.string(required=True, max_length=40),
        "start_date": F.date(required=True),
        "capacity": F.integer(required=True, minimum=1),
    })
    values = CohortIn.load(request_json)        # raises talent.errors.ValidationError

Output schemas are written the same way and only used to document (and, in tests, to check)
what the endpoints answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l

from talent.errors import ValidationError

_MISSING = object()


@dataclass(frozen=True)
class F:
    """One field: its JSON type and constraints."""
    type: str  # string integer number boolean date datetime array object any
    required: bool = False
    nullable: bool = False
    description: str = ""
    enum: tuple | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    format: str | None = None
    items: "F | Schema | None" = None
    schema: "Schema | None" = None
    min_items: int | None = None
    max_items: int | None = None
    default: Any = _MISSING
    example: Any = _MISSING

    # ---- constructors --------------------------------------------------------------------
    @classmethod
    def string(cls, **kw) -> "F":
        return cls("string", **kw)

    @classmethod
    def integer(cls, **kw) -> "F":
        return cls("integer", **kw)

    @classmethod
    def number(cls, **kw) -> "F":
        return cls("number", **kw)

    @classmethod
    def boolean(cls, **kw) -> "F":
        return cls("boolean", **kw)

    @classmethod
    def date(cls, **kw) -> "F":
        return cls("date", **kw)

    @classmethod
    def datetime(cls, **kw) -> "F":
        return cls("datetime", **kw)

    @classmethod
    def array(cls, items: "F | Schema", **kw) -> "F":
        return cls("array", items=items, **kw)

    @classmethod
    def object(cls, schema: "Schema", **kw) -> "F":
        return cls("object", schema=schema, **kw)

    @classmethod
    def enum_of(cls, values, **kw) -> "F":
        return cls("string", enum=tuple(values), **kw)

    def but(self, **kw) -> "F":
        return replace(self, **kw)

    # ---- JSON Schema ---------------------------------------------------------------------
    def json_schema(self, refs: bool = True) -> dict[str, Any]:
        out: dict[str, Any]
        if self.type == "object" and self.schema is not None:
            out = self.schema.ref() if refs else self.schema.json_schema()
            if self.nullable:
                out = {"anyOf": [out, {"type": "null"}]}
            if self.description:
                out = {**out, "description": str(self.description)}
            return out
        base = {"date": "string", "datetime": "string"}.get(self.type, self.type)
        out = {}
        if base != "any":
            out["type"] = [base, "null"] if self.nullable else base
        if self.type == "date":
            out["format"] = "date"
        elif self.type == "datetime":
            out["format"] = "date-time"
        elif self.format:
            out["format"] = self.format
        if self.enum is not None:
            out["enum"] = list(self.enum) + ([None] if self.nullable else [])
        for key, value in (("minLength", self.min_length), ("maxLength", self.max_length),
                           ("minimum", self.minimum), ("maximum", self.maximum),
                           ("pattern", self.pattern), ("minItems", self.min_items),
                           ("maxItems", self.max_items)):
            if value is not None:
                out[key] = value
        if self.type == "array" and self.items is not None:
            items = self.items
            out["items"] = (items.ref() if refs else items.json_schema()) if isinstance(items, Schema) \
                else items.json_schema(refs)
        if self.description:
            out["description"] = str(self.description)
        if self.default is not _MISSING:
            out["default"] = self.default
        if self.example is not _MISSING:
            out["examples"] = [self.example]
        return out

    # ---- checking ------------------------------------------------------------------------
    def load(self, value: Any, path: str, errors: dict[str, str], *, from_text: bool = False) -> Any:
        """The checked (and converted) value, or None with a message added to ``errors``."""
        if value is None:
            if self.nullable:
                return None
            errors[path] = str(_l("This field may not be null."))
            return None
        t = self.type
        if from_text and isinstance(value, str):
            value = _from_text(t, value)
        if t == "string":
            if not isinstance(value, str):
                errors[path] = str(_l("Must be a string."))
                return None
            value = value.strip()
            if "\x00" in value:
                errors[path] = str(_l("Must not contain NUL characters."))
                return None
            if self.required and not value and self.min_length is None and self.enum is None:
                errors[path] = str(_l("This field is required."))
                return None
        elif t in ("integer", "number"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                errors[path] = str(_l("Must be an integer.") if t == "integer" else _l("Must be a number."))
                return None
            if t == "integer":
                if isinstance(value, float):
                    if not value.is_integer():
                        errors[path] = str(_l("Must be an integer."))
                        return None
                    value = int(value)
            if value != value or value in (float("inf"), float("-inf")):
                errors[path] = str(_l("Must be a number."))
                return None
            if abs(value) > 1e15:
                errors[path] = str(_l("The number is too large."))
                return None
        elif t == "boolean":
            if not isinstance(value, bool):
                errors[path] = str(_l("Must be true or false."))
                return None
        elif t == "date":
            if isinstance(value, date) and not isinstance(value, datetime):
                pass
            elif not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                errors[path] = str(_l("Must be a date as YYYY-MM-DD."))
                return None
            else:
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    errors[path] = str(_l("Must be a date as YYYY-MM-DD."))
                    return None
        elif t == "datetime":
            if not isinstance(value, str):
                errors[path] = str(_l("Must be a date and time in ISO 8601."))
                return None
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                errors[path] = str(_l("Must be a date and time in ISO 8601."))
                return None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=timezone.utc)
            value = parsed
        elif t == "array":
            if not isinstance(value, list):
                errors[path] = str(_l("Must be a list."))
                return None
            if self.min_items is not None and len(value) < self.min_items:
                errors[path] = str(_l("Give at least %(n)d items.", n=self.min_items))
                return None
            if self.max_items is not None and len(value) > self.max_items:
                errors[path] = str(_l("Give at most %(n)d items.", n=self.max_items))
                return None
            out = []
            for i, item in enumerate(value):
                sub = f"{path}[{i}]"
                if isinstance(self.items, Schema):
                    out.append(self.items.load(item, prefix=sub, errors=errors))
                elif self.items is not None:
                    out.append(self.items.load(item, sub, errors))
                else:
                    out.append(item)
            return out
        elif t == "object":
            if self.schema is not None:
                return self.schema.load(value, prefix=path, errors=errors)
            if not isinstance(value, dict):
                errors[path] = str(_l("Must be an object."))
                return None
        if self.enum is not None and value not in self.enum:
            errors[path] = str(_l("Must be one of: %(values)s.", values=", ".join(map(str, self.enum))))
            return None
        if isinstance(value, str):
            if self.min_length is not None and len(value) < self.min_length:
                errors[path] = str(_l("Must be at least %(n)d characters.", n=self.min_length))
                return None
            if self.max_length is not None and len(value) > self.max_length:
                errors[path] = str(_l("Must be at most %(n)d characters.", n=self.max_length))
                return None
            if self.pattern is not None and not re.search(self.pattern, value):
                errors[path] = str(_l("Has the wrong format."))
                return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                errors[path] = str(_l("Must be at least %(n)s.", n=_num(self.minimum)))
                return None
            if self.maximum is not None and value > self.maximum:
                errors[path] = str(_l("Must be at most %(n)s.", n=_num(self.maximum)))
                return None
        return value


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _from_text(type_: str, value: str) -> Any:
    """Query-string values arrive as text: convert where the type asks for it."""
    if type_ == "integer" and re.fullmatch(r"[+-]?\d{1,15}", value.strip()):
        return int(value)
    if type_ == "number":
        try:
            number = float(value)
        except ValueError:
            return value
        return number
    if type_ == "boolean":
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
    return value


@dataclass
class Schema:
    """An object schema: named (it becomes ``#/components/schemas/<name>``), with fields."""
    name: str
    fields: dict[str, F]
    description: str = ""
    additional: bool = False
    register: bool = True

    def __post_init__(self) -> None:
        if self.register:
            if self.name in SCHEMAS and SCHEMAS[self.name] is not self:
                raise ValueError(f"two API schemas are named {self.name}")
            SCHEMAS[self.name] = self

    def ref(self) -> dict[str, Any]:
        return {"$ref": f"#/components/schemas/{self.name}"}

    def json_schema(self, refs: bool = True, *, partial: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "properties": {name: spec.json_schema(refs) for name, spec in self.fields.items()},
            "additionalProperties": self.additional,
        }
        required = [name for name, spec in self.fields.items() if spec.required and not partial]
        if required:
            out["required"] = required
        if self.description:
            out["description"] = str(self.description)
        return out

    def partial(self, name: str | None = None) -> "Schema":
        """The same fields, none required (for updates)."""
        name = name or f"{self.name}Update"
        if name in SCHEMAS:
            return SCHEMAS[name]
        return Schema(name,
                      {k: v.but(required=False, default=_MISSING) for k, v in self.fields.items()},
                      description=self.description, additional=self.additional)

    def load(self, data: Any, *, prefix: str = "", errors: dict[str, str] | None = None,
             from_text: bool = False) -> dict[str, Any]:
        """Check ``data``; return only the fields given (defaults filled in). Raises
        ValidationError (when called at the top level) with every problem at once."""
        top = errors is None
        errors = {} if errors is None else errors
        out: dict[str, Any] = {}
        if not isinstance(data, Mapping):
            errors[prefix or "body"] = str(_l("Must be a JSON object."))
        else:
            if not self.additional:
                for key in data:
                    if key not in self.fields:
                        errors[_join(prefix, str(key))] = str(_l("Unknown field."))
            for name, spec in self.fields.items():
                path = _join(prefix, name)
                if name not in data:
                    if spec.required:
                        errors[path] = str(_l("This field is required."))
                    elif spec.default is not _MISSING:
                        out[name] = spec.default
                    continue
                out[name] = spec.load(data[name], path, errors, from_text=from_text)
        if top and errors:
            raise ValidationError(_l("The request has invalid fields."), fields=errors)
        return out


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


# Every named schema, for the OpenAPI document's components.
SCHEMAS: dict[str, Schema] = {}
