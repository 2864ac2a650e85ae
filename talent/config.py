"""Configuration from ``TALENT_*`` environment variables, with safe laptop defaults.

Every setting has one place here. ``load_config`` reads the environment once, validates it and
raises :class:`ConfigError` with a one-line message that names the variable at fault.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, Mapping

from limits import parse_many

DEFAULT_NEIGHBOURS = ("GE", "TR", "RU", "IR", "KZ", "UZ", "TM", "KG", "TJ")
ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A configuration value is missing or wrong; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _rate(env, name: str, default: str) -> str:
    """A rate limit such as ``5 per hour`` (Flask-Limiter's notation), refused at start when unreadable."""
    value = (env.get(name) or default).strip()
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must be a rate limit such as '5 per hour'") from None
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _instance_secret(instance: Path) -> str:
    """A secret key generated once into the instance folder (laptop default only)."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


DEFAULT_PUBLIC_URL = "http://127.0.0.1:5000"
# Set by ``talent run`` to the address it serves on (talent/cli.py); never set it by hand.
DEV_SERVER_URL_VARIABLE = "TALENT_DEV_SERVER_URL"


def public_base_url(env: Mapping[str, str], production: bool) -> str:
    """The base of every generated link (QR codes, share links, mails): ``TALENT_PUBLIC_URL`` when
    set; otherwise, outside production, the address the development server serves on (``talent
    run --host/--port``, so ``make run PORT=5101`` links to port 5101); otherwise the default."""
    configured = env.get("TALENT_PUBLIC_URL")
    if not configured and not production:
        configured = env.get(DEV_SERVER_URL_VARIABLE)
    return (configured or DEFAULT_PUBLIC_URL).rstrip("/")


def _oidc_settings(env: Mapping[str, str], production: bool) -> dict[str, Any]:
    """National e-ID sign-in (OpenID Connect, issue 21): off unless ``TALENT_OIDC_ISSUER`` is set."""
    issuer = (env.get("TALENT_OIDC_ISSUER") or "").strip().rstrip("/")
    client_id = (env.get("TALENT_OIDC_CLIENT_ID") or "").strip()
    if issuer:
        if not issuer.startswith(("https://", "http://")):
            raise ConfigError("TALENT_OIDC_ISSUER must be an https:// URL")
        if production and not issuer.startswith("https://"):
            raise ConfigError("TALENT_OIDC_ISSUER must be an https:// URL in production")
        if not client_id:
            raise ConfigError("TALENT_OIDC_CLIENT_ID must be set when TALENT_OIDC_ISSUER is")
    fin_claim = (env.get("TALENT_OIDC_FIN_CLAIM") or "fin").strip()
    return {
        "OIDC_ISSUER": issuer or None,
        "OIDC_CLIENT_ID": client_id or None,
        "OIDC_CLIENT_SECRET": env.get("TALENT_OIDC_CLIENT_SECRET") or None,
        "OIDC_FIN_CLAIM": fin_claim,
        "OIDC_SCOPE": (env.get("TALENT_OIDC_SCOPE") or "openid profile").strip(),
        # Seconds to wait for the provider (discovery, keys, the token exchange).
        "OIDC_TIMEOUT": _int(env, "TALENT_OIDC_TIMEOUT", 10, 1),
    }


def load_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ if env is None else env)
    mode = env.get("TALENT_ENV", "development").strip().lower()
    if mode not in {"development", "production", "testing"}:
        raise ConfigError(f"TALENT_ENV must be development, production or testing, got {mode!r}")
    production = mode == "production"

    instance = Path(env.get("TALENT_INSTANCE_PATH") or ROOT / "instance").resolve()
    database_url = env.get("TALENT_DATABASE_URL") or f"sqlite:///{instance / 'talent.db'}"
    if not database_url.startswith(("sqlite://", "postgresql://", "postgresql+psycopg://")):
        raise ConfigError("TALENT_DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    reports_url = env.get("TALENT_REPORTS_DATABASE_URL") or None
    if reports_url and reports_url.startswith("postgresql://"):
        reports_url = "postgresql+psycopg://" + reports_url[len("postgresql://"):]

    secret = env.get("TALENT_SECRET_KEY") or env.get("SECRET_KEY")
    if production:
        if not secret or len(secret) < 32:
            raise ConfigError("TALENT_SECRET_KEY must be set to at least 32 characters in production")
        if database_url.startswith("sqlite") and not _bool(env, "TALENT_ALLOW_SQLITE", False):
            raise ConfigError(
                "TALENT_DATABASE_URL must name PostgreSQL in production "
                "(set TALENT_ALLOW_SQLITE=true to run on SQLite deliberately)"
            )
    if not secret:
        secret = _instance_secret(instance)

    neighbours_raw = env.get("TALENT_REGIONAL_COUNTRIES")
    if neighbours_raw:
        neighbours = tuple(c.strip().upper() for c in neighbours_raw.split(",") if c.strip())
        if not all(len(c) == 2 and c.isalpha() for c in neighbours):
            raise ConfigError("TALENT_REGIONAL_COUNTRIES must be comma-separated ISO alpha-2 codes")
    else:
        neighbours = DEFAULT_NEIGHBOURS

    engine_options: dict[str, Any] = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        engine_options.update(pool_size=_int(env, "TALENT_DB_POOL_SIZE", 5, 1), max_overflow=10,
                              pool_recycle=1800,
                              # JIT compiles the report aggregates for ~1-2 s each and saves far less
                              # (docs/performance.md): off for the app's sessions. (Report transactions
                              # also turn generic plans off: talent/replica.py.)
                              connect_args={"options": "-c jit=off"})

    public_url = public_base_url(env, production)
    trusted_hosts = None
    if production:
        # Host header allow-list (Flask's TRUSTED_HOSTS): the public URL's host plus any listed,
        # so a foreign Host is refused (400) and never reflected in redirects or links.
        from urllib.parse import urlsplit
        public_host = urlsplit(public_url).hostname
        extra = [h.strip().lower() for h in env.get("TALENT_TRUSTED_HOSTS", "").split(",") if h.strip()]
        trusted_hosts = sorted({h for h in [public_host, *extra] if h})
        if not trusted_hosts:
            raise ConfigError("TALENT_PUBLIC_URL must be an absolute URL such as https://talent.example.az")

    ratelimit_storage = env.get("TALENT_RATELIMIT_STORAGE", "memory://")
    if not ratelimit_storage.startswith(("memory://", "redis://", "rediss://")):
        raise ConfigError("TALENT_RATELIMIT_STORAGE must be memory:// or a redis:// URL")

    oidc = _oidc_settings(env, production)

    return {
        **oidc,
        "ENV_MODE": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_BINDS": {"reports": reports_url} if reports_url else {},
        "REPORTS_DATABASE_URL": reports_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "SQLALCHEMY_RECORD_QUERIES": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        # __Host- prefix in production: Secure, Path=/ and no Domain, so no sibling host can set it.
        "SESSION_COOKIE_NAME": "__Host-talent_session" if production else "talent_session",
        "LANGUAGE_COOKIE_NAME": "__Host-talent_lang" if production else "talent_lang",
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "TRUSTED_HOSTS": trusted_hosts,
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=_int(env, "TALENT_SESSION_IDLE_MINUTES", 30, 1)),
        "SESSION_ABSOLUTE_HOURS": _int(env, "TALENT_SESSION_ABSOLUTE_HOURS", 12, 1),
        "WTF_CSRF_ENABLED": _bool(env, "TALENT_CSRF", True),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": _int(env, "TALENT_MAX_UPLOAD_MB", 10, 1) * 1024 * 1024 + 64 * 1024,
        "IMPORT_MAX_BYTES": _int(env, "TALENT_MAX_UPLOAD_MB", 10, 1) * 1024 * 1024,
        "IMPORT_MAX_ROWS": _int(env, "TALENT_IMPORT_MAX_ROWS", 50_000, 1),
        # Zip bombs: what an uploaded workbook may unpack to, and how tightly a part may be packed.
        "IMPORT_MAX_UNCOMPRESSED_BYTES": _int(env, "TALENT_IMPORT_MAX_UNPACKED_MB", 100, 1) * 1024 * 1024,
        "IMPORT_MAX_RATIO": _int(env, "TALENT_IMPORT_MAX_RATIO", 200, 10),
        # How long a previewed import (its validated rows, kept in the database) may be committed.
        "IMPORT_PREVIEW_SECONDS": _int(env, "TALENT_IMPORT_PREVIEW_MINUTES", 60, 1) * 60,
        "BABEL_DEFAULT_LOCALE": "az",
        # Language of messages produced outside a web request (CLI output).
        "OFFLINE_LOCALE": env.get("TALENT_CLI_LANGUAGE", "az"),
        "BABEL_DEFAULT_TIMEZONE": env.get("TALENT_TIMEZONE", "Asia/Baku"),
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "LANGUAGES": ("az", "en", "ru"),
        "RATELIMIT_STORAGE_URI": ratelimit_storage,
        "RATELIMIT_ENABLED": _bool(env, "TALENT_RATELIMIT", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Online applications (issue 19): per client address and per FIN, form and API alike.
        "APPLY_RATE_LIMIT_ADDRESS": _rate(env, "TALENT_APPLY_RATE_LIMIT_ADDRESS", "20 per hour"),
        "APPLY_RATE_LIMIT_FIN": _rate(env, "TALENT_APPLY_RATE_LIMIT_FIN", "5 per hour"),
        "LOGIN_MAX_FAILURES": _int(env, "TALENT_LOGIN_MAX_FAILURES", 5, 1),
        # The longest delay (minutes) after repeated wrong passwords (and the 2FA lock).
        "LOGIN_LOCK_MINUTES": _int(env, "TALENT_LOGIN_LOCK_MINUTES", 15, 1),
        # Progressive delay (talent/accounts/lockout.py): the first wait, doubling per failure.
        "LOGIN_DELAY_SECONDS": _int(env, "TALENT_LOGIN_DELAY_SECONDS", 30, 1),
        "LOGIN_ADDRESS_FREE_FAILURES": _int(env, "TALENT_LOGIN_ADDRESS_FREE_FAILURES", 20, 1),
        "DEVICE_COOKIE_NAME": "__Host-talent_device" if production else "talent_device",
        "SUPPRESSION_K": _int(env, "TALENT_SUPPRESSION_K", 5, 1),
        "CORRECTION_DAYS": _int(env, "TALENT_CORRECTION_DAYS", 30, 0),
        # How long browsers and proxies may keep an answer of the public catalog API (issue 19).
        "CATALOG_CACHE_SECONDS": _int(env, "TALENT_CATALOG_CACHE_SECONDS", 60, 0),
        # Disclosure control of the ministry reports (docs/disclosure.md): the cell-key method; the
        # record keys' secret (default: derived from SECRET_KEY). Never rotate it: new keys mean
        # new noise on every figure, and two noises of one figure are worth more than one.
        "DISCLOSURE_METHOD": "cellkey",
        "DISCLOSURE_KEY": env.get("TALENT_DISCLOSURE_KEY") or None,
        # Where the running totals of a period's counts start (docs/disclosure.md): "year" keeps the
        # whole-year views at the cost they had; "epoch" is stronger and re-reads all history.
        "DISCLOSURE_ANCHOR": _choice(env, "TALENT_DISCLOSURE_ANCHOR", ("epoch", "year"), "year"),
        "FAIRNESS_GAP_PP": _int(env, "TALENT_FAIRNESS_GAP_PP", 10, 1),
        "REGIONAL_COUNTRIES": neighbours,
        "PUBLIC_BASE_URL": public_url,
        "SIGNING_KEY": env.get("TALENT_SIGNING_KEY") or None,
        "IDENTITY_SALT": env.get("TALENT_IDENTITY_SALT") or None,
        "MAIL_SENDER": env.get("TALENT_MAIL_SENDER", "log"),
        "MAIL_FROM": env.get("TALENT_MAIL_FROM", "no-reply@talent.example.az"),
        "SMTP_URL": env.get("TALENT_SMTP_URL") or None,
        # Committed mail is sent from a background thread (the answer does not wait for the server).
        "MAIL_BACKGROUND": _bool(env, "TALENT_MAIL_BACKGROUND", production),
        # Notifications (talent.notifications, docs/reliability.md): the worker's broker (a redis://
        # URL; empty = the embedded default, delivery in-process after the commit), the outbox's
        # retries, the SMS gateway.
        "BROKER_URL": env.get("TALENT_BROKER_URL") or None,
        # The prefix of the broker's Redis keys: deployments (or test runs) sharing one Redis database
        # each take their own, so that no worker takes another's jobs.
        "BROKER_NAMESPACE": env.get("TALENT_BROKER_NAMESPACE") or "talent",
        "OUTBOX_MAX_ATTEMPTS": _int(env, "TALENT_OUTBOX_MAX_ATTEMPTS", 8, 1),
        "OUTBOX_BACKOFF_SECONDS": _int(env, "TALENT_OUTBOX_BACKOFF_SECONDS", 30, 1),
        "OUTBOX_LEASE_SECONDS": _int(env, "TALENT_OUTBOX_LEASE_SECONDS", 300, 1),
        "OUTBOX_SWEEP_SECONDS": _int(env, "TALENT_OUTBOX_SWEEP_SECONDS", 60, 1),
        "KEPT_REFRESH_SECONDS": _int(env, "TALENT_KEPT_REFRESH_SECONDS", 60, 1),
        # Without a broker the serving process runs the scheduled work (reminders, expiry notices,
        # follow-up waves) and the retries itself (talent.notifications.events, "embedded ticker").
        "EMBEDDED_SCHEDULER": _bool(env, "TALENT_EMBEDDED_SCHEDULER", mode != "testing"),
        "SCHEDULE_SECONDS": _int(env, "TALENT_SCHEDULE_SECONDS", 3600, 1),
        "OUTBOX_MARK_BATCH": _int(env, "TALENT_OUTBOX_MARK_BATCH", 0, 0),   # 0 = 1: one mark per commit (strict)
        "SMS_DRIVER": _choice(env, "TALENT_SMS_DRIVER", ("log", "http"), "log"),
        "SMS_URL": env.get("TALENT_SMS_URL") or None,
        "SMS_TOKEN": env.get("TALENT_SMS_TOKEN") or None,
        # Failed serial + birth date look-ups per serial (any address): a birth date is one of
        # ~20,000 days, so 20 misses a day make guessing one take years.
        "VERIFY_SERIAL_RATE_LIMIT": env.get("TALENT_VERIFY_SERIAL_RATE_LIMIT", "10 per hour;20 per day"),
        # Answers "this FIN is already registered" (register / edit a trainee, web and API) per
        # account (API token) and per address: each tells that a FIN exists (people.services.KnownFin).
        "FIN_LOOKUP_RATE_LIMIT": _rate(env, "TALENT_FIN_LOOKUP_RATE_LIMIT", "20 per hour;60 per day"),
        # Pages of the opt-in talent profiles (web and API) per employer organisation: browsing them is
        # the employer's purpose, copying them all is not (placement.services.profiles.browse_limit).
        "PROFILE_BROWSE_RATE_LIMIT": _rate(env, "TALENT_PROFILE_BROWSE_RATE_LIMIT", "120 per hour;400 per day"),
        "RESET_MAILS_PER_HOUR": _int(env, "TALENT_RESET_MAILS_PER_HOUR", 3, 1),
        "CORS_ORIGINS": tuple(o.strip() for o in env.get("TALENT_CORS_ORIGINS", "").split(",") if o.strip()),
        "API_RATE_LIMIT": env.get("TALENT_API_RATE_LIMIT", "600 per minute"),
        # API tokens expire: the default lifetime and the longest one may choose.
        "API_TOKEN_DAYS": _int(env, "TALENT_API_TOKEN_DAYS", 90, 1),
        "API_TOKEN_MAX_DAYS": _int(env, "TALENT_API_TOKEN_MAX_DAYS", 365, 1),
        "REQUIRE_2FA": _bool(env, "TALENT_REQUIRE_2FA", mode != "testing"),
        "PRODUCTION": production,
        "BENCHMARK_ROUTES": _bool(env, "TALENT_BENCHMARK_ROUTES", False),
        # GET /metrics (talent/web/metrics.py): off (404) unless a bearer token is configured.
        "METRICS_TOKEN": env.get("TALENT_METRICS_TOKEN", "").strip(),
    }
