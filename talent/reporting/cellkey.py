"""The cell-key method (docs/disclosure.md): record keys, cell keys and the perturbation table.

* **Record key** — every counted record (an enrollment, a placement, a trainee for "people
  placed") has a fixed pseudo-random key in 0..255: a keyed two-round hash of its id
  (:func:`record_key`), computed by the database itself (:func:`key_sql`) so a report sums the
  keys of the rows it counts in the same SQL aggregate that counts them. The hash's constants
  come from ``DISCLOSURE_KEY`` (``TALENT_DISCLOSURE_KEY``; by default derived from the secret
  key): without them the keys are unknown. The same record always has the same key.
* **Cell key** — the sum of the record keys of a cell's records, modulo 256. Key sums are
  additive, so the report summary stores them per cohort (and day) beside the counts.
* **Perturbation** — the published count is ``max(count + d, 0)`` with ``d`` in -5..+5 looked up
  in the perturbation table by (count, cell key) (:func:`perturb`). The same records give the
  same count and cell key, hence the same published value, on every page and in every request:
  asking again, or asking an equivalent question, returns the very same figure.

The perturbation table is public, like the ONS one: its protection is the secrecy of the record
keys, not of the table. A published value below k (for a count of at least 1) is shown as
``<k``; a count of 0 is 0 (nobody to protect).
"""
from __future__ import annotations

import hashlib
import hmac
import random
from functools import lru_cache

from sqlalchemy import BigInteger, cast, literal_column

N_KEYS = 256  # record keys and cell keys are in 0..N_KEYS-1
# The noise distribution in 256ths of probability: -5 .. +5, mean 0, variance 2.52,
# P(no change) = 76/256. Light but wide tails: with a bound of 3 an attacker who knows that one
# window holds the other was certain of 1.8 % of small cells (both noises at the bound); the
# outer values +-4 and +-5 push that to pairs of 1-in-256 draws (docs/disclosure.md).
NOISE = {-5: 1, -4: 3, -3: 11, -2: 25, -1: 50, 0: 76, 1: 50, 2: 25, 3: 11, 4: 3, 5: 1}
BOUND = max(NOISE)
TABLE_SEED = 120_2026  # the table is public; changing it changes every published figure
ROWS = 1024  # counts 1..ROWS have a row of their own; larger counts reuse rows (see _row_index)

_P1 = 2_147_483_647        # 2**31 - 1
_P2 = 2_147_483_629        # the largest prime below 2**31 - 18
DOMAINS = ("enrollment", "placement", "trainee", "application")


def _secret() -> bytes:
    from flask import current_app
    configured = current_app.config.get("DISCLOSURE_KEY")
    if configured:
        return str(configured).encode()
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), b"talent-disclosure-record-keys",
                    hashlib.sha256).digest()


@lru_cache(maxsize=16)
def _constants_for(secret: bytes, domain: str) -> tuple[int, int, int, int]:
    digest = hmac.new(secret, f"cellkey:{domain}".encode(), hashlib.sha256).digest()
    a1, b1, a2, b2 = (int.from_bytes(digest[i:i + 8], "big") for i in range(0, 32, 8))
    return 1 + a1 % (_P1 - 1), b1 % _P1, 1 + a2 % (_P2 - 1), b2 % _P2


def constants(domain: str) -> tuple[int, int, int, int]:
    if domain not in DOMAINS:
        raise ValueError(f"unknown record-key domain {domain!r}")
    return _constants_for(_secret(), domain)


def fingerprint() -> str:
    """Names the record keys in use (stored with the report summary, whose key sums depend on
    them): a different DISCLOSURE_KEY makes the summary unusable until it is rebuilt."""
    return hmac.new(_secret(), b"cellkey:fingerprint", hashlib.sha256).hexdigest()[:16]


def record_key(record_id: int, domain: str) -> int:
    """The record key of one record (Python; :func:`key_sql` computes the same in SQL)."""
    a1, b1, a2, b2 = constants(domain)
    y = (int(record_id) * a1 + b1) % _P1
    return ((y * a2 + b2) % _P2) % N_KEYS


def key_sql(id_column, domain: str):
    """The record key of ``id_column`` as a SQL expression (SQLite and PostgreSQL: 64-bit integer
    arithmetic; every product stays below 2**63 for ids below 2**32)."""
    a1, b1, a2, b2 = constants(domain)
    lit = lambda n: literal_column(str(int(n)))  # noqa: E731  (constants, not user input)
    y = (cast(id_column, BigInteger) * lit(a1) + lit(b1)) % lit(_P1)
    return ((y * lit(a2) + lit(b2)) % lit(_P2)) % lit(N_KEYS)


def perturbing() -> bool:
    """Whether the reports perturb (DISCLOSURE_METHOD=cellkey); the threshold method (tests of
    exact figures, the benchmark's baseline) needs no key sums."""
    from flask import current_app
    return current_app.config.get("DISCLOSURE_METHOD", "cellkey") == "cellkey"


def report_key_sql(id_column, domain: str):
    """:func:`key_sql` for a report query: a constant 0 when the reports do not perturb, so the
    threshold baseline runs the SQL it ran before the cell-key method. (The report summary always
    stores the real key sums: it uses :func:`key_sql`.)"""
    return key_sql(id_column, domain) if perturbing() else literal_column("0")


def distinct_key_sum(id_column, key_column):
    """The sum of the record keys over the DISTINCT ids of a group, for counts of distinct
    records (a placement joined to several completions is one placement): ``id * 256 + key`` is
    one number per id, so SUM(DISTINCT) of it minus 256 * SUM(DISTINCT id) is the key sum.
    ``id_column`` may be a CASE that is NULL for rows not counted."""
    from sqlalchemy import func
    if not perturbing():
        return literal_column("0")
    packed = func.sum(func.distinct(id_column * literal_column(str(N_KEYS)) + key_column))
    ids = func.sum(func.distinct(id_column))
    return func.coalesce(packed, 0) - literal_column(str(N_KEYS)) * func.coalesce(ids, 0)


# ---- the perturbation table ------------------------------------------------------------------------

def _row_index(count: int) -> int:
    if count <= ROWS:
        return count
    return ROWS - 96 + (count % 97)


@lru_cache(maxsize=ROWS + 1)
def _row(index: int) -> tuple[int, ...]:
    """One row of the table: the noise for each of the 256 cell keys, the distribution NOISE
    in a shuffled order of its own (so two counts with the same cell key get unrelated noise)."""
    slots = [d for d, weight in sorted(NOISE.items()) for _ in range(weight)]
    assert len(slots) == N_KEYS
    random.Random(TABLE_SEED * 1_000_003 + index).shuffle(slots)
    return tuple(slots)


def noise(count: int, cell_key: int) -> int:
    return _row(_row_index(count))[cell_key % N_KEYS]


def perturb(count: int, key_sum: int) -> int:
    """The published value of a count whose records' keys add up to ``key_sum``."""
    count = int(count)
    if count <= 0:
        return 0
    return max(count + noise(count, int(key_sum) % N_KEYS), 0)


def pre_name(metric: str) -> str:
    """The name of a metric's count before the period (its cumulative anchor)."""
    return metric + "__pre"


def key_name(metric: str) -> str:
    """The name under which a metric's key sum travels beside it (never past :mod:`suppression`)."""
    return metric + "__key"
