"""Who may do what, in one place: the permission vocabulary, the role table, ``can``/``require``,
and the query scoping that limits a center administrator to their centers.

Services take an :class:`Actor` (the user acting, through which channel, from which address) and
call ``require`` before they read or write; interfaces never decide permissions themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Iterable, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from talent.errors import NotFound, PermissionDenied


class P(str, Enum):
    """Permissions, named ``resource:action``."""
    CENTERS_READ = "centers:read"
    CENTERS_MANAGE = "centers:manage"
    CATALOG_MANAGE = "catalog:manage"
    USERS_MANAGE = "users:manage"
    COHORTS_READ = "cohorts:read"
    COHORTS_WRITE = "cohorts:write"
    TRAINEES_READ = "trainees:read"        # person-level data
    TRAINEES_WRITE = "trainees:write"
    ENROLLMENTS_WRITE = "enrollments:write"
    IMPORTS_RUN = "imports:run"
    ATTENDANCE_WRITE = "attendance:write"
    AWARDS_READ = "awards:read"
    AWARDS_ISSUE = "awards:issue"
    AWARDS_REVOKE = "awards:revoke"
    PLACEMENTS_READ = "placements:read"
    PLACEMENTS_WRITE = "placements:write"
    PLACEMENTS_VERIFY = "placements:verify"
    REPORTS_READ = "reports:read"           # aggregates only, suppressed
    OBJECTIVES_MANAGE = "objectives:manage"
    AUDIT_READ = "audit:read"
    SELF_READ = "self:read"                 # a trainee's own records
    SELF_WRITE = "self:write"
    TOKENS_OWN = "tokens:own"
    TOKENS_MANAGE = "tokens:manage"
    OUTBOX_MANAGE = "outbox:manage"        # the notification queue: see, retry, discard
    ADMIN_AREA = "admin:area"               # the administration pages (catalog, centers, users)
    API_DOCS_READ = "api-docs:read"         # the API documentation in the staff menus
    APPLICATIONS_REVIEW = "applications:review"  # online applications to a center's cohorts (issue 19)
    # Employers (issue 20): an employer user answers for the placements that name their employer
    # (never an administrator's or a center's word), and vacancies are posted by an employer for
    # itself or by a center (or an administrator) on an employer's behalf.
    PLACEMENTS_CONFIRM = "placements:confirm"
    VACANCIES_WRITE = "vacancies:write"
    EMPLOYER_USERS_INVITE = "employer-users:invite"   # a center invites an employer named in its jobs
    # Opt-in talent profiles (issue 20): an employer browses the graduates who chose to be seen by
    # employers and shortlists them for its vacancies. Nobody else needs it (centers and the
    # ministry have their own views; the graduates chose employers as the audience).
    TALENT_BROWSE = "talent:browse"


_CENTER_WORK = {
    P.CENTERS_READ, P.COHORTS_READ, P.COHORTS_WRITE, P.TRAINEES_READ, P.TRAINEES_WRITE,
    P.ENROLLMENTS_WRITE, P.IMPORTS_RUN, P.ATTENDANCE_WRITE, P.AWARDS_READ, P.AWARDS_ISSUE,
    P.AWARDS_REVOKE, P.PLACEMENTS_READ, P.PLACEMENTS_WRITE, P.PLACEMENTS_VERIFY, P.TOKENS_OWN,
    P.API_DOCS_READ, P.APPLICATIONS_REVIEW, P.VACANCIES_WRITE, P.EMPLOYER_USERS_INVITE,
}

# Only the employer speaks for itself: nobody else confirms or declines a job in its name.
_NOT_STAFF = {P.SELF_READ, P.SELF_WRITE, P.PLACEMENTS_CONFIRM, P.TALENT_BROWSE}

ROLE_PERMISSIONS: dict[str, frozenset[P]] = {
    "admin": frozenset(set(P) - _NOT_STAFF),
    "center_admin": frozenset(_CENTER_WORK),
    "ministry": frozenset({P.REPORTS_READ, P.OBJECTIVES_MANAGE, P.CENTERS_READ, P.TOKENS_OWN, P.API_DOCS_READ}),
    "trainee": frozenset({P.SELF_READ, P.SELF_WRITE, P.TOKENS_OWN}),
    "employer": frozenset({P.PLACEMENTS_CONFIRM, P.VACANCIES_WRITE, P.TOKENS_OWN, P.API_DOCS_READ,
                           P.TALENT_BROWSE}),
    # The CLI acts as the system: everything an admin may do.
    "system": frozenset(set(P) - _NOT_STAFF),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting. ``center_ids`` is None when not limited to centers (admin, system)."""
    user_id: int | None
    label: str
    role: str
    center_ids: frozenset[int] | None = None
    trainee_id: int | None = None
    employer_id: int | None = None          # the organisation an employer user acts for
    ip: str | None = None
    channel: str = "web"
    permissions: frozenset[P] = field(default=frozenset())

    @classmethod
    def for_user(cls, user, *, ip: str | None = None, channel: str = "web") -> "Actor":
        trainee_id = trainee_reach().trainee_id_of_user(user.id) if user.role == "trainee" else None
        # An employer user is limited to no center at all: any center-scoped query gives them nothing.
        centers = user.center_ids if user.role == "center_admin" else (
            frozenset() if user.role == "employer" else None)
        employer_id = getattr(user, "employer_id", None) if user.role == "employer" else None
        return cls(user_id=user.id, label=user.email, role=user.role, center_ids=centers,
                   trainee_id=trainee_id, employer_id=employer_id, ip=ip, channel=channel,
                   permissions=ROLE_PERMISSIONS.get(user.role, frozenset()))

    @classmethod
    def system(cls, label: str = "system", channel: str = "cli") -> "Actor":
        return cls(user_id=None, label=label, role="system", center_ids=None, channel=channel,
                   permissions=ROLE_PERMISSIONS["system"])

    @property
    def is_staff(self) -> bool:
        return self.role in {"admin", "center_admin", "system"}

    def has(self, perm: P) -> bool:
        return perm in self.permissions

    def covers_center(self, center_id: int | None) -> bool:
        return self.center_ids is None or (center_id is not None and center_id in self.center_ids)


def can(actor: Actor, perm: P, center_id: int | None = None, *, any_center: bool = False) -> bool:
    """May ``actor`` use ``perm`` (on something belonging to ``center_id``)?"""
    if not actor.has(perm):
        return False
    if actor.center_ids is None or any_center:
        return True
    if center_id is None:
        return True
    return center_id in actor.center_ids


def user_can(user, perm: P) -> bool:
    """May a signed-in user (anything with a ``role``) use ``perm`` at all? What the access
    decorators and the navigation ask; the center of a record is the loader's question."""
    return perm in ROLE_PERMISSIONS.get(getattr(user, "role", None) or "", frozenset())


def require(actor: Actor, perm: P, center_id: int | None = None) -> None:
    if not actor.has(perm):
        raise PermissionDenied(_l("You do not have permission to do this."))
    if center_id is not None and not actor.covers_center(center_id):
        # Another center's record: do not reveal that it exists.
        raise NotFound(_l("Not found."))


def require_center(actor: Actor, perm: P, center_id: int) -> None:
    """Like ``require`` but an explicit center (e.g. from a form) outside scope is a 403."""
    if not actor.has(perm):
        raise PermissionDenied(_l("You do not have permission to do this."))
    if not actor.covers_center(center_id):
        raise PermissionDenied(_l("You do not manage this center."))


# ---- query scoping -------------------------------------------------------------------------

def scope_centers(stmt: Select, actor: Actor, center_column) -> Select:
    """Limit a query on something owned by a center to the actor's centers."""
    if actor.center_ids is None:
        return stmt
    return stmt.where(center_column.in_(sorted(actor.center_ids) or [-1]))


# A center reaches a trainee's personal data (DESIGN §3 "A center sees what concerns it") when one of
# its centers registered the trainee, or holds an enrollment of theirs that gives access. The rule
# reads the people and learning tables, which the core may not import: the domain owning it
# (``talent.learning.scoping``, loaded with the learning package) registers it here, and the
# functions below answer through it for every domain and interface. Without it they refuse to
# answer (RuntimeError) rather than guess a scope. A job's visibility is placement's
# (``talent.placement.scoping``).

class TraineeReach(Protocol):
    """How a center's staff reach trainees (registered by ``talent.learning.scoping``)."""

    def visible_clause(self, actor: Actor, name_matches: Callable[[Any], list] | None = None) -> Any:
        """SQL condition on ``trainees``: registered by, or enrolled at, the actor's centers; with
        ``name_matches``, also whose folded name meets the conditions it gives for a name column
        (tested on the membership rows' copy of the name, one index for both)."""

    def id_visible_clause(self, actor: Actor, trainee_id_column) -> Any:
        """The same for a column holding a trainee id."""

    def self_clause(self, trainee_id: int) -> Any:
        """SQL condition on ``trainees``: this trainee only."""

    def name_clause(self, name_matches: Callable[[Any], list]) -> Any:
        """SQL condition on ``trainees``: the conditions ``name_matches`` gives for their folded name."""

    def member_center_ids(self, trainee_id: int) -> set[int]:
        """Centers the trainee belongs to (registered by, or enrolled at: the membership table)."""

    def enrolling_center_ids(self, trainee_id: int) -> set[int]:
        """Centers whose enrollment of the trainee gives access."""

    def trainee_id_of_user(self, user_id: int) -> int | None:
        """The trainee record linked to a trainee's account."""


_reach: TraineeReach | None = None


def register_trainee_reach(reach: TraineeReach) -> None:
    global _reach
    _reach = reach


def trainee_reach() -> TraineeReach:
    if _reach is None:
        raise RuntimeError("No trainee scope registered: import talent.learning (create_app does).")
    return _reach


def trainee_visible_clause(actor: Actor):
    """SQL condition: trainees registered by, or enrolled at, the actor's centers."""
    return trainee_reach().visible_clause(actor)


def scope_trainees(stmt: Select, actor: Actor, name_matches: Callable[[Any], list] | None = None) -> Select:
    """``stmt`` (on ``trainees``) kept to the trainees the actor may see. ``name_matches`` (a name
    search): a function giving the conditions a folded-name column must meet; a center's staff
    test them on their centers' membership rows (which carry the name), anyone else on
    ``trainees.search_name``."""
    if not actor.has(P.TRAINEES_READ):
        if actor.has(P.SELF_READ) and actor.trainee_id is not None:
            stmt = stmt.where(trainee_reach().self_clause(actor.trainee_id))
            return stmt.where(trainee_reach().name_clause(name_matches)) if name_matches else stmt
        raise PermissionDenied(_l("You do not have permission to do this."))
    if actor.center_ids is None:
        return stmt.where(trainee_reach().name_clause(name_matches)) if name_matches else stmt
    return stmt.where(trainee_reach().visible_clause(actor, name_matches))


def enrolling_center_ids(trainee_id: int) -> set[int]:
    """Centers where the trainee is or was enrolled in a status that gives access."""
    return trainee_reach().enrolling_center_ids(trainee_id)


def trainee_center_ids(trainee_id: int) -> set[int]:
    """Centers a trainee belongs to: where enrolled (in a status that gives access), and the
    registering center (one indexed read of the trainee–center membership)."""
    return trainee_reach().member_center_ids(trainee_id)


def may_see_trainee(actor: Actor, trainee_id: int) -> bool:
    if actor.has(P.SELF_READ) and actor.trainee_id == trainee_id:
        return True
    if not actor.has(P.TRAINEES_READ):
        return False
    if actor.center_ids is None:
        return True
    return bool(trainee_center_ids(trainee_id) & actor.center_ids)


def require_trainee(actor: Actor, trainee_id: int) -> None:
    """Person-level access to one trainee, or 404 (never reveal existence)."""
    if not may_see_trainee(actor, trainee_id):
        raise NotFound(_l("Not found."))


def trainee_id_visible_clause(actor: Actor, trainee_id_column):
    """Like :func:`trainee_visible_clause` for a column holding a trainee id (a query that does not
    select from ``trainees``, or selects it for another purpose)."""
    return trainee_reach().id_visible_clause(actor, trainee_id_column)


def centers_of(actor: Actor) -> Iterable[int] | None:
    return actor.center_ids
