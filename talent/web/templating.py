"""Template globals: navigation per role, language names, localized formatting."""
from __future__ import annotations

from functools import lru_cache

from babel import numbers
from flask import Flask, current_app, request, url_for
from flask_babel import (format_date, format_datetime, format_percent, get_locale, gettext as _,
                         lazy_gettext as _l)
from markupsafe import Markup
from flask_login import current_user

from talent.i18n import current_language
from talent.labels import label
from talent.permissions import P, user_can

LANGUAGE_NAMES = {"az": "Azərbaycanca", "en": "English", "ru": "Русский"}

# (endpoint, label, the permission it needs): an entry is shown iff the user's role has that
# permission (talent.permissions.ROLE_PERMISSIONS, the same table the views' decorators ask).
# Entries whose endpoint is not registered are skipped, so an area can be added without touching
# this list twice.
NAVIGATION = [
    ("admin.index", _l("Administration"), P.ADMIN_AREA),
    ("center.dashboard", _l("My centers"), P.COHORTS_READ),
    ("center.cohorts", _l("Cohorts"), P.COHORTS_READ),
    ("center.trainees", _l("Trainees"), P.TRAINEES_READ),
    ("center.followups", _l("Follow-up"), P.PLACEMENTS_READ),
    ("center.awards", _l("Certificates"), P.AWARDS_READ),
    ("center.employers_page", _l("Employers"), P.EMPLOYER_USERS_INVITE),
    ("center.vacancies_page", _l("Vacancies"), P.EMPLOYER_USERS_INVITE),
    ("ministry.dashboard", _l("Dashboard"), P.REPORTS_READ),
    ("ministry.regions", _l("Regions"), P.REPORTS_READ),
    ("ministry.objectives", _l("Objectives"), P.REPORTS_READ),
    ("ministry.fairness", _l("Fairness"), P.REPORTS_READ),
    ("ministry.mobility", _l("Mobility"), P.REPORTS_READ),
    ("ministry.trends", _l("Trends"), P.REPORTS_READ),
    ("employer.placements", _l("Jobs with us"), P.PLACEMENTS_CONFIRM),
    ("employer.vacancies_page", _l("Our vacancies"), P.PLACEMENTS_CONFIRM),
    ("employer.talent", _l("Graduates"), P.TALENT_BROWSE),
    ("trainee.learning", _l("My learning"), P.SELF_READ),
    ("trainee.certificates", _l("My certificates"), P.SELF_READ),
    ("trainee.jobs", _l("My jobs"), P.SELF_READ),
    ("trainee.talent_profile", _l("Employers"), P.SELF_READ),
    ("trainee.calendar_page", _l("My calendar"), P.SELF_READ),
    ("trainee.my_data", _l("My data"), P.SELF_READ),
    ("account.service_tokens", _l("Service tokens"), P.TOKENS_MANAGE),
    ("notifications.preferences", _l("Messages"), P.SELF_READ),
    ("account.tokens", _l("API tokens"), P.TOKENS_OWN),
    ("api_v1.docs", _l("API docs"), P.API_DOCS_READ),
]


# Where an entry goes in the top bar, by its blueprint: the account menu on the right, or a group
# of the main menu. A role whose entries fall in one group sees them side by side; a role with
# several groups (the administrator) sees one drop-down per group, so every menu fits 1366 px.
ACCOUNT_BLUEPRINTS = {"account", "api_v1", "auth", "notifications"}
GROUP_LABELS = {"admin": _l("Administration"), "center": _l("Centers"), "ministry": _l("Reports"),
                "employer": _l("Employer")}


def navigation():
    if not current_user.is_authenticated:
        return []
    items = []
    for endpoint, label, perm in NAVIGATION:
        if user_can(current_user, perm) and endpoint in current_app.view_functions:
            items.append({"url": url_for(endpoint), "label": label, "endpoint": endpoint,
                          "active": request.endpoint == endpoint})
    return items


def navigation_menu() -> dict:
    """The top bar: ``groups`` of the main menu (each with its label, items and whether one is
    the current page) and the ``account`` menu's items."""
    groups: dict[str, dict] = {}
    account = []
    for item in navigation():
        blueprint = item["endpoint"].split(".", 1)[0]
        if blueprint in ACCOUNT_BLUEPRINTS:
            account.append(item)
            continue
        group = groups.setdefault(blueprint, {"key": blueprint, "label": GROUP_LABELS.get(blueprint, ""),
                                              "items": [], "active": False})
        group["items"].append(item)
        group["active"] = group["active"] or item["active"] or (request.blueprint == blueprint)
    return {"groups": list(groups.values()), "account": account}


def _date_format(fmt: str) -> str:
    """Babel's Russian medium date ends in "г." ("5 дек. 2026 г."), which a sentence's full stop
    turned into "г.."; Russian pages write "5 дек. 2026" instead."""
    return "d MMM y" if fmt == "medium" and current_language() == "ru" else fmt


@lru_cache(maxsize=4096)
def _number_in(kind: type, n, locale) -> str:   # kind: 1, 1.0 and Decimal("1.00") are equal keys otherwise
    return numbers.format_decimal(n, locale=locale)


def number(n) -> str:
    """A number in the page's locale (1 234 in az, 1,234 in en), as flask_babel.format_decimal
    writes it. Remembered per (number, locale): a table of a few hundred rows repeats the same
    small counts, and Babel's formatting was a third of rendering the supply-against-demand page."""
    if n is None:
        return ""
    return _number_in(type(n), n, get_locale())


@lru_cache(maxsize=16)
def _number_symbols_in(locale) -> tuple[str, str]:
    sample = numbers.format_decimal(1234567.5, format="#,##0.0", locale=locale)
    return sample[1], sample[-2]


def number_symbols() -> tuple[str, str]:
    """The page locale's group and decimal symbols, as ``decimal1`` writes them (the charts'
    scripts read them from <html>): worked out once per locale, not formatted on every page."""
    return _number_symbols_in(get_locale())


# decimal1's patterns, parsed once (format_decimal parsed its pattern on every call: a ministry table
# writes a rate in every row).
_DECIMAL1 = {False: numbers.parse_pattern("#,##0.0"), True: numbers.parse_pattern("+#,##0.0;-#,##0.0")}


def decimal1(n, signed: bool = False) -> str:
    """A number with one decimal in the page's locale (64,5 in az and ru; 64.5 in en); ``signed``
    writes the sign of a gap (+3,5 / -2,0). What ``format_decimal(n, format=…)`` writes."""
    if n is None:
        return ""
    return _DECIMAL1[bool(signed)].apply(n, get_locale() or numbers.LC_NUMERIC)


def percent(n, decimals: int = 1) -> str:
    """A percentage given in percent (64.5 -> "64,5 %" / "64.5%") in the page's locale."""
    if n is None:
        return ""
    return format_percent(float(n) / 100, format="#,##0" + ("." + "#" * decimals if decimals else "") + "%")


_WITHHELD = Markup('<span class="text-muted" title="{}">{}</span>')


def report_cell(c) -> Markup:
    """One published report cell (:class:`talent.reporting.suppression.Cell`): its figure in the
    page's locale, or the mark of a withheld one with the reason as its title. A Python function, not
    a template macro: a ministry table calls it once per cell (546 times on a center's page), and a
    macro call per cell was most of rendering the tables."""
    if c.value is None:
        if c.status == "small":
            return _WITHHELD.format(_("A few people (published value below %(k)s): withheld to protect them", k=c.k),
                                    c.symbol)
        if c.status == "no_base":
            return _WITHHELD.format(_("Nothing to divide by"), "—")
        if c.kind == "rate":
            return _WITHHELD.format(_("Rate withheld: its base is below %(k)s or its numerator is withheld", k=c.k),
                                    "x")
        return _WITHHELD.format(_("Hidden so that a small number cannot be worked out"), "x")
    return Markup.escape(decimal1(c.value) if c.kind == "rate" else number(c.value))


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        navigation=navigation,
        navigation_menu=navigation_menu,
        number_symbols=number_symbols,
        report_cell=report_cell,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        current_language=current_language,
        label=label,
    )
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["date"] = lambda d, fmt="medium": format_date(d, _date_format(fmt)) if d else ""
    app.jinja_env.filters["datetime"] = lambda d, fmt="medium": format_datetime(d, fmt) if d else ""
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["decimal1"] = decimal1
    app.jinja_env.filters["percent"] = percent
