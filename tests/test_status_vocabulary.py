"""Statuses are one vocabulary: the StrEnums beside their models (CohortStatus, EnrollmentStatus,
PlacementStatus, AwardStatus), never bare strings compared or assigned in the code (issue 16)."""
from __future__ import annotations

import re
from pathlib import Path

from talent.credentials.models import Award, AwardStatus
from talent.learning.models import COHORT_STATUSES, ENROLLMENT_STATUSES, CohortStatus, EnrollmentStatus
from talent.placement.models import VERIFICATION_STATES, PlacementStatus

ROOT = Path(__file__).resolve().parent.parent / "talent"
ENUMS = (CohortStatus, EnrollmentStatus, PlacementStatus, AwardStatus)
WORDS = sorted({member.value for enum in ENUMS for member in enum})
LITERAL = r"""(?P<q>["'])(?:""" + "|".join(WORDS) + r""")(?P=q)"""
NAME = r"[\w.]*(?:status|verification|state)\w*\)?"
# A status literal compared with, tested against, or assigned to something named *status*,
# *verification* or *state* (attributes, columns, keyword arguments, constants such as SCOPE_STATUSES).
PATTERNS = [
    re.compile(NAME + r"\s*(?:==|!=)\s*" + LITERAL),
    re.compile(LITERAL + r"\s*(?:==|!=)\s*" + NAME),
    re.compile(NAME + r"\s*(?:not in|in|\.in_\(|\.not_in\()\s*[(\[{][^)\]}]*" + LITERAL),
    re.compile(NAME + r"\s*=\s*" + LITERAL),
    re.compile(r"^[A-Z_]*(?:STATUS|STATUSES|STATES)\s*=\s*[(\[{][^)\]}]*" + LITERAL),
]
# Where the words stay strings: the migrations (frozen history), the labels shown to people (keys of
# the translation tables) and the enums themselves.
ALLOWED = {"labels.py", "learning/models.py", "placement/models.py", "credentials/models.py"}


def bare_status_literals(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if relative in ALLOWED or relative.startswith("migrations/"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if any(pattern.search(code) for pattern in PATTERNS):
                found.append(f"talent/{relative}:{number}: {line.strip()}")
    return found


def test_no_bare_status_literals_in_the_code():
    found = bare_status_literals()
    assert not found, "use the status enums (talent/*/models.py):\n" + "\n".join(found)


def test_the_check_finds_what_it_looks_for(tmp_path):
    """The scan itself: each kind of bare literal is reported, the enum spelling is not."""
    sample = tmp_path / "sample.py"
    sample.write_text("\n".join([
        'if enrollment.status == "enrolled": pass',
        'stmt = select(Cohort).where(Cohort.status.in_(("open", "running")))',
        'placement.verification = "pending"',
        'Cohort(status="planned")',
        'SCOPE_STATUSES = ("enrolled", "completed")',
        'if "revoked" != award_status: pass',
        'ok = enrollment.status == EnrollmentStatus.ENROLLED',
        'label = LABELS["enrolled"]  # a label key, not a comparison',
    ]) + "\n")
    found = bare_status_literals(tmp_path)
    assert [line.split(":")[1] for line in found] == ["1", "2", "3", "4", "5", "6"]


def test_the_enums_are_the_stored_values():
    """The check constraints are built from the enums, so the stored strings did not change."""
    assert COHORT_STATUSES == ("planned", "open", "running", "completed", "cancelled")
    assert ENROLLMENT_STATUSES == ("applied", "waitlisted", "enrolled", "completed", "failed", "withdrawn")
    assert VERIFICATION_STATES == ("verified", "pending", "rejected")
    assert EnrollmentStatus.ENROLLED == "enrolled" and f"{CohortStatus.OPEN}" == "open"
    assert {"revoked": 1}[AwardStatus.REVOKED] == 1  # a label table keyed by strings finds a member


def test_award_status_is_an_enum_member():
    from datetime import date
    award = Award(issued_on=date(2025, 1, 1), expires_on=date(2025, 6, 1))
    assert award.status_on(date(2025, 2, 1)) is AwardStatus.VALID
    assert award.status_on(date(2025, 7, 1)) is AwardStatus.EXPIRED
