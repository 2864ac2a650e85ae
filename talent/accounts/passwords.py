"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

import gzip
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

# OWASP ASVS 5.0 and the OWASP password storage cheat sheet: argon2id with at least 19 MiB
# of memory, 2 iterations, 1 lane. We use 46 MiB, 2 iterations, 1 lane: above that floor.
_hasher = PasswordHasher(time_cost=2, memory_cost=47104, parallelism=1, hash_len=32, salt_len=16,
                         type=Type.ID)
MIN_LENGTH = 12
MAX_LENGTH = 256
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


def use_fast_hashing_for_tests() -> None:
    """Cheap parameters for the test suite only (TALENT_ENV=testing); never in production."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Same work as a real check, so timing does not tell whether the account exists.
        _verify_dummy(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


_DUMMY_HASH = _hasher.hash("not-a-real-password-000")


def _verify_dummy(password: str) -> None:
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


# zxcvbn (ASVS 2.1.7/2.1.8): scores 0-4; 3 means ~10^8 guesses or more. Only the first
# ESTIMATE_CHARS characters are estimated: its matching grows fast with length (256 characters
# took 1.8 s), and a weak start is weak however it goes on.
MIN_SCORE = 3
ESTIMATE_CHARS = 64


def _email_parts(email: str | None) -> list[str]:
    """The email's local part and its pieces (``aysel.mammadova`` -> itself, aysel, mammadova)."""
    if not email:
        return []
    local = email.lower().partition("@")[0]
    import re
    pieces = [piece for piece in re.split(r"[^\w]+|_", local) if len(piece) >= 3]
    return [local, *pieces] if len(local) >= 3 else pieces


def password_problem(password: str, *, email: str | None = None, user_inputs: tuple[str, ...] = ()) -> str | None:
    """The reason a password is not acceptable, or None (ASVS 2.1: at least 12 characters, up to
    256, any character; not on the common-password list; not built on the email address; and
    not easy to guess by a strength estimate)."""
    if len(password) < MIN_LENGTH:
        return str(_l("The password must be at least %(n)d characters long.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("The password must be at most %(n)d characters long.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in common_passwords():
        return str(_l("This password is too common; choose another."))
    if email and lowered == email.lower():
        return str(_l("The password must not be your email address."))
    parts = _email_parts(email)
    if parts and (parts[0] in lowered or any(len(piece) >= 4 and lowered.startswith(piece) for piece in parts)
                  or sum(len(piece) for piece in parts[1:] if piece in lowered) * 2 >= len(lowered)):
        return str(_l("The password must not be built on your email address."))
    from zxcvbn import zxcvbn
    inputs = [*parts, *(value.lower() for value in user_inputs if value)]
    if zxcvbn(password[:ESTIMATE_CHARS], user_inputs=inputs)["score"] < MIN_SCORE:
        return str(_l("This password is easy to guess. Avoid repeated characters, sequences such as 1234 or "
                      "qwerty, dates and single common words; a few unrelated words make a strong password."))
    return None
