"""Opt-in talent profiles and employers' shortlists (issue 20).

A graduate (a trainee with a completed enrollment or a valid certificate) may choose to be seen
by employers, and take the choice back at any time. What an employer sees of a visible graduate is
exactly: the name, the home region, the valid certifications (each with its public verification
link) and the skills those certifications and the completed courses give — never the FIN, birth
date, gender, email or phone. It is computed from the graduate's records when it is read, so a
profile taken back disappears from every employer's page and answer at once.

An employer (``P.TALENT_BROWSE``, the employer role's only) browses the visible graduates and puts
one on the shortlist of one of its own open vacancies; the graduate is told (after the commit, in
their language) and answers *interested* or *not interested*. Only an *interested* answer shows the
graduate's email to that employer on that vacancy's shortlist (the answer is the consent; the
answer page says so). Hiding the profile withdraws the entries still waiting for an answer, and
every entry of a hidden graduate leaves the employer's shortlist pages. Another employer's vacancy,
or a graduate who is not visible, does not exist for an employer (404).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from talent import audit, clock, signals
from talent.catalog.models import Certification, Skill, course_skills
from talent.credentials.models import Award
from talent.db import utcnow
from talent.errors import InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.geo.models import Region
from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.people.models import Trainee
from talent.permissions import Actor, P, require
from talent.placement.models import Employer, Vacancy, VacancyStatus
from talent.placement.profiles_models import ShortlistAnswer, ShortlistEntry, TalentProfile
from talent.placement.services.common import CHECK_MESSAGE
from talent.validation import MAX_ID, parse_int

PER_PAGE = 20
MAX_PER_PAGE = 100
BROWSE_LIMITED = _l("Your organisation has opened many pages of graduates' profiles in a short time. To protect "
                    "the graduates who share them, browsing is paused for a while: try again later.")
ANSWERS = (ShortlistAnswer.INTERESTED, ShortlistAnswer.NOT_INTERESTED)


# ---- what an employer sees -----------------------------------------------------------------------

def browse_limit() -> str:
    """How many pages of visible profiles one employer organisation may open (web and API together):
    enough to look for people, not to copy everyone who opted in (``PROFILE_BROWSE_RATE_LIMIT``)."""
    return current_app.config.get("PROFILE_BROWSE_RATE_LIMIT") or "120 per hour;400 per day"


def browse_limited_message() -> str:
    return str(BROWSE_LIMITED)


def browse_key(actor: Actor) -> str:
    """The limit counts per organisation: its users (and their tokens) share one budget."""
    return f"talent-browse:employer:{actor.employer_id}" if actor.employer_id else f"talent-browse:user:{actor.user_id}"


@dataclass(frozen=True)
class ProfileCertification:
    code: str
    name: str
    serial: str
    issued_on: date
    expires_on: date | None
    verify_url: str


@dataclass(frozen=True)
class ProfileSkill:
    code: str
    name: str


@dataclass(frozen=True)
class TalentProfileView:
    """A visible graduate as an employer sees them: these fields and nothing else."""
    trainee_id: int
    name: str
    region_code: str
    region_name: str
    certifications: tuple[ProfileCertification, ...]
    skills: tuple[ProfileSkill, ...]


@dataclass
class ProfilePage:
    items: list[TalentProfileView]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page * self.per_page < self.total else None


def _verify_url(code: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{code}"


def _valid_award_clause(today: date):
    return and_(Award.revoked_at.is_(None), or_(Award.expires_on.is_(None), Award.expires_on >= today))


def _profiles_of(trainee_ids: list[int]) -> dict[int, TalentProfileView]:
    """The employer's view of each trainee (three queries whatever their number)."""
    if not trainee_ids:
        return {}
    today = clock.today()
    trainees = {t.id: t for t in db.session.scalars(select(Trainee).where(Trainee.id.in_(trainee_ids)))}
    awards: dict[int, list[ProfileCertification]] = {}
    skill_ids: dict[int, set[int]] = {tid: set() for tid in trainee_ids}
    for award in db.session.scalars(select(Award).where(Award.trainee_id.in_(trainee_ids), _valid_award_clause(today))
                                    .order_by(Award.issued_on.desc(), Award.id.desc())):
        cert = award.certification
        awards.setdefault(award.trainee_id, []).append(ProfileCertification(
            code=cert.code, name=cert.name, serial=award.serial, issued_on=award.issued_on,
            expires_on=award.expires_on, verify_url=_verify_url(award.verification_code)))
        skill_ids[award.trainee_id].add(cert.skill_id)
    course_rows = db.session.execute(
        select(Enrollment.trainee_id, course_skills.c.skill_id)
        .join(Cohort, Cohort.id == Enrollment.cohort_id)
        .join(course_skills, course_skills.c.course_id == Cohort.course_id)
        .where(Enrollment.trainee_id.in_(trainee_ids), Enrollment.status == EnrollmentStatus.COMPLETED)).all()
    for trainee_id, skill_id in course_rows:
        skill_ids[trainee_id].add(skill_id)
    wanted = set().union(*skill_ids.values())
    skills = {s.id: s for s in db.session.scalars(select(Skill).where(Skill.id.in_(sorted(wanted) or [-1])))}
    out = {}
    for tid in trainee_ids:
        trainee = trainees.get(tid)
        if trainee is None:
            continue
        region = trainee.home_region
        out[tid] = TalentProfileView(
            trainee_id=tid, name=trainee.display_name, region_code=region.code, region_name=region.name,
            certifications=tuple(awards.get(tid, ())),
            skills=tuple(sorted((ProfileSkill(code=skills[s].code, name=skills[s].name)
                                 for s in skill_ids[tid] if s in skills), key=lambda s: s.code)))
    return out


# ---- the graduate's side ---------------------------------------------------------------------------

def is_graduate(trainee_id: int) -> bool:
    """A trainee with at least one completed enrollment or a valid certificate."""
    completed = select(Enrollment.id).where(Enrollment.trainee_id == trainee_id,
                                            Enrollment.status == EnrollmentStatus.COMPLETED).limit(1)
    if db.session.scalar(completed) is not None:
        return True
    return db.session.scalar(select(Award.id).where(Award.trainee_id == trainee_id,
                                                    _valid_award_clause(clock.today())).limit(1)) is not None


def _own_trainee_id(actor: Actor, perm: P) -> int:
    require(actor, perm)
    if actor.trainee_id is None:
        raise NotFound(_l("Not found."))
    return actor.trainee_id


def _profile_row(trainee_id: int) -> TalentProfile | None:
    return db.session.scalar(select(TalentProfile).where(TalentProfile.trainee_id == trainee_id))


@dataclass(frozen=True)
class MyTalentProfile:
    """The graduate's own page: whether employers see them, and exactly what they would see."""
    graduate: bool
    visible_since: datetime | None
    preview: TalentProfileView | None

    @property
    def visible(self) -> bool:
        return self.visible_since is not None


def my_profile(actor: Actor) -> MyTalentProfile:
    trainee_id = _own_trainee_id(actor, P.SELF_READ)
    row = _profile_row(trainee_id)
    return MyTalentProfile(graduate=is_graduate(trainee_id), visible_since=row.visible_since if row else None,
                           preview=_profiles_of([trainee_id]).get(trainee_id))


def opt_in(actor: Actor) -> TalentProfile:
    """The graduate becomes visible to employers (only graduates may)."""
    trainee_id = _own_trainee_id(actor, P.SELF_WRITE)
    if _profile_row(trainee_id) is not None:
        raise InvalidTransition(_l("Employers can already see your profile."))
    if not is_graduate(trainee_id):
        raise ValidationError(_l("Only graduates can be seen by employers: complete a course or earn a "
                                 "certificate first."))
    row = TalentProfile(trainee_id=trainee_id, visible_since=utcnow())
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise InvalidTransition(_l("Employers can already see your profile.")) from None
    audit.record(actor, "talent_profile.opt_in", "trainee", trainee_id, trainee_id=trainee_id)
    return row


def opt_out(actor: Actor) -> int:
    """The graduate hides their profile: it leaves every employer's page at once, and the
    shortlist entries still waiting for their answer are withdrawn. Returns how many."""
    trainee_id = _own_trainee_id(actor, P.SELF_WRITE)
    row = _profile_row(trainee_id)
    if row is None:
        raise InvalidTransition(_l("Employers cannot see your profile."))
    since = row.visible_since
    db.session.delete(row)
    withdrawn = db.session.execute(
        update(ShortlistEntry).where(ShortlistEntry.trainee_id == trainee_id,
                                     ShortlistEntry.answer == ShortlistAnswer.PENDING)
        .values(answer=ShortlistAnswer.WITHDRAWN, answered_at=utcnow())
        .execution_options(synchronize_session="fetch")).rowcount or 0
    db.session.flush()
    audit.record(actor, "talent_profile.opt_out", "trainee", trainee_id, trainee_id=trainee_id,
                 details={"visible_since": since.isoformat() if since else None, "withdrawn": withdrawn})
    return withdrawn


@dataclass(frozen=True)
class MyShortlist:
    """A shortlist entry as the graduate sees it."""
    id: int
    vacancy_title: str
    employer_name: str
    vacancy_open: bool
    closes_on: date
    shortlisted_at: datetime
    answer: str
    answered_at: datetime | None


def _vacancy_open(vacancy: Vacancy) -> bool:
    return vacancy.status == VacancyStatus.OPEN and vacancy.closes_on >= clock.today()


def my_shortlists(actor: Actor) -> list[MyShortlist]:
    """The vacancies the graduate was shortlisted for, those waiting for an answer first."""
    trainee_id = _own_trainee_id(actor, P.SELF_READ)
    rows = db.session.execute(
        select(ShortlistEntry, Vacancy).join(Vacancy, Vacancy.id == ShortlistEntry.vacancy_id)
        .where(ShortlistEntry.trainee_id == trainee_id)
        .order_by((ShortlistEntry.answer == ShortlistAnswer.PENDING).desc(), ShortlistEntry.shortlisted_at.desc(),
                  ShortlistEntry.id.desc())).all()
    return [MyShortlist(id=e.id, vacancy_title=v.title, employer_name=v.employer.name, vacancy_open=_vacancy_open(v),
                        closes_on=v.closes_on, shortlisted_at=e.shortlisted_at, answer=e.answer,
                        answered_at=e.answered_at) for e, v in rows]


def _int(raw: Any) -> int | None:
    return parse_int(raw, low=1, high=MAX_ID)


def answer_shortlist(actor: Actor, entry_id: Any, answer: Any) -> ShortlistEntry:
    """The graduate answers (or changes their answer while the vacancy is open): ``interested``
    shows their email to that employer on that vacancy; ``not_interested`` does not. The
    employer's users are told after the commit."""
    trainee_id = _own_trainee_id(actor, P.SELF_WRITE)
    eid = _int(entry_id)
    entry = db.session.get(ShortlistEntry, eid) if eid else None
    if entry is None or entry.trainee_id != trainee_id:
        raise NotFound(_l("Not found."))
    if answer not in tuple(ANSWERS):
        raise ValidationError(CHECK_MESSAGE, fields={"answer": str(_l("Choose interested or not interested."))})
    if entry.answer == ShortlistAnswer.WITHDRAWN:
        raise InvalidTransition(_l("This shortlist was withdrawn when you hid your profile."))
    if _profile_row(trainee_id) is None:
        raise InvalidTransition(_l("Make your profile visible to employers before you answer."))
    vacancy = db.session.get(Vacancy, entry.vacancy_id)
    if not _vacancy_open(vacancy):
        raise InvalidTransition(_l("This vacancy is closed."))
    if entry.answer == answer:
        raise InvalidTransition(_l("You have already given this answer."))
    previous = entry.answer
    entry.answer = ShortlistAnswer(answer).value
    entry.answered_at = utcnow()
    db.session.flush()
    audit.record(actor, "talent_profile.answer", "shortlist_entry", entry.id, trainee_id=trainee_id,
                 details={"vacancy_id": entry.vacancy_id, "employer_id": entry.employer_id, "from": previous,
                          "answer": entry.answer})
    signals.shortlist_answered.send(actor, entry=entry, vacancy=vacancy)
    return entry


# ---- the employer's side ---------------------------------------------------------------------------

def _employer_id(actor: Actor) -> int:
    require(actor, P.TALENT_BROWSE)
    if actor.employer_id is None:
        raise NotFound(_l("Not found."))
    return actor.employer_id


def _clean_code(raw: Any, max_len: int) -> str:
    return str(raw or "").strip().upper()[:max_len + 1]


def visible_profiles(actor: Actor, *, skill: Any = None, region: Any = None, certification: Any = None,
                     page: Any = 1, per_page: Any = PER_PAGE) -> ProfilePage:
    """The graduates visible to employers, newest first, filtered by a skill code, a region code
    or a certification code (a valid certificate of it). Every graduate listed is recorded in the
    audit trail (each can see that an employer looked)."""
    employer_id = _employer_id(actor)
    errors: dict[str, str] = {}
    stmt = (select(TalentProfile.trainee_id).join(Trainee, Trainee.id == TalentProfile.trainee_id)
            .order_by(TalentProfile.visible_since.desc(), TalentProfile.id.desc()))
    today = clock.today()
    skill_code = _clean_code(skill, 40)
    if skill_code:
        found = db.session.scalar(select(Skill).where(func.upper(Skill.code) == skill_code)) \
            if len(skill_code) <= 40 else None
        if found is None:
            errors["skill"] = str(_l("Choose a skill from the list."))
        else:
            by_award = exists().where(Award.trainee_id == TalentProfile.trainee_id, _valid_award_clause(today),
                                      Award.certification_id == Certification.id, Certification.skill_id == found.id)
            by_course = exists().where(Enrollment.trainee_id == TalentProfile.trainee_id,
                                       Enrollment.status == EnrollmentStatus.COMPLETED,
                                       Cohort.id == Enrollment.cohort_id,
                                       course_skills.c.course_id == Cohort.course_id,
                                       course_skills.c.skill_id == found.id)
            stmt = stmt.where(or_(by_award, by_course))
    region_code = _clean_code(region, 32)
    if region_code:
        found = db.session.scalar(select(Region).where(Region.code == region_code)) if len(region_code) <= 32 else None
        if found is None:
            errors["region"] = str(_l("Choose a region from the list."))
        else:
            stmt = stmt.where(Trainee.home_region_id == found.id)
    cert_code = _clean_code(certification, 40)
    if cert_code:
        found = db.session.scalar(select(Certification).where(func.upper(Certification.code) == cert_code)) \
            if len(cert_code) <= 40 else None
        if found is None:
            errors["certification"] = str(_l("Choose a certification from the list."))
        else:
            stmt = stmt.where(exists().where(Award.trainee_id == TalentProfile.trainee_id, _valid_award_clause(today),
                                             Award.certification_id == found.id))
    number, size = _int(page), _int(per_page)
    if page not in (None, "") and (number is None or number > 100_000):
        errors["page"] = str(_l("Enter a whole number from 1 to %(n)d.", n=100_000))
    if per_page not in (None, "") and (size is None or size > MAX_PER_PAGE):
        errors["per_page"] = str(_l("Enter a whole number from 1 to %(n)d.", n=MAX_PER_PAGE))
    if errors:
        raise ValidationError(CHECK_MESSAGE, fields=errors)
    number, size = number or 1, size or PER_PAGE
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    ids = list(db.session.scalars(stmt.limit(size).offset((number - 1) * size)))
    views = _profiles_of(ids)
    if ids:
        audit.record(actor, "talent_profile.employer_view", "employer", employer_id, trainee_ids=ids)
    return ProfilePage(items=[views[i] for i in ids if i in views], page=number, per_page=size, total=total)


def filter_choices(actor: Actor) -> dict[str, list]:
    """What the employer's talent filters offer: active skills, regions, certifications."""
    _employer_id(actor)
    return {"skills": list(db.session.scalars(select(Skill).where(Skill.active.is_(True)).order_by(Skill.code))),
            "regions": list(db.session.scalars(select(Region).order_by(Region.code))),
            "certifications": list(db.session.scalars(select(Certification).order_by(Certification.code)))}


def _own_vacancy(actor: Actor, vacancy_id: Any) -> Vacancy:
    employer_id = _employer_id(actor)
    vid = _int(vacancy_id)
    vacancy = db.session.get(Vacancy, vid) if vid else None
    if vacancy is None or vacancy.employer_id != employer_id:
        raise NotFound(_l("Not found."))
    return vacancy


def open_vacancies(actor: Actor) -> list[Vacancy]:
    """The employer's vacancies a graduate can be shortlisted for (open, not past their date)."""
    employer_id = _employer_id(actor)
    return list(db.session.scalars(select(Vacancy).where(
        Vacancy.employer_id == employer_id, Vacancy.status == VacancyStatus.OPEN, Vacancy.closes_on >= clock.today())
        .order_by(Vacancy.closes_on, Vacancy.id)))


def shortlist_vacancy(actor: Actor, vacancy_id: Any) -> Vacancy:
    """One of the actor's employer's open vacancies, to shortlist for (else NotFound / 409)."""
    vacancy = _own_vacancy(actor, vacancy_id)
    if not _vacancy_open(vacancy):
        raise InvalidTransition(_l("This vacancy is closed: nobody can be shortlisted for it."))
    return vacancy


def shortlist(actor: Actor, vacancy_id: Any, trainee_id: Any) -> ShortlistEntry:
    """Put a visible graduate on one of the employer's open vacancies; the graduate is told after
    the commit. A graduate withdrawn earlier (profile hidden, then shown again) is asked again."""
    vacancy = shortlist_vacancy(actor, vacancy_id)
    tid = _int(trainee_id)
    if tid is None or _profile_row(tid) is None:
        raise ValidationError(CHECK_MESSAGE, fields={"trainee_id": str(_l(
            "Choose a graduate from the talent list; this one is not visible to employers."))})
    entry = db.session.scalar(select(ShortlistEntry).where(ShortlistEntry.vacancy_id == vacancy.id,
                                                           ShortlistEntry.trainee_id == tid))
    duplicate = _l("This graduate is already on the shortlist of this vacancy.")
    if entry is not None and entry.answer != ShortlistAnswer.WITHDRAWN:
        raise InvalidTransition(duplicate)
    if entry is None:
        entry = ShortlistEntry(vacancy_id=vacancy.id, trainee_id=tid, employer_id=vacancy.employer_id)
        db.session.add(entry)
    entry.answer, entry.answered_at = ShortlistAnswer.PENDING.value, None
    entry.shortlisted_by_id, entry.shortlisted_at = actor.user_id, utcnow()
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise InvalidTransition(duplicate) from None
    audit.record(actor, "talent_profile.shortlist", "shortlist_entry", entry.id, trainee_id=tid,
                 details={"vacancy_id": vacancy.id, "employer_id": vacancy.employer_id})
    signals.talent_shortlisted.send(actor, entry=entry, vacancy=vacancy)
    return entry


@dataclass(frozen=True)
class ShortlistRow:
    """An entry of a vacancy's shortlist as its employer sees it; ``email`` only when the graduate
    answered interested."""
    id: int
    profile: TalentProfileView
    shortlisted_at: datetime
    answer: str
    answered_at: datetime | None
    email: str | None


@dataclass
class VacancyShortlist:
    vacancy: Vacancy
    rows: list[ShortlistRow] = field(default_factory=list)
    hidden: int = 0     # entries of graduates who hid their profile since (not shown)


def vacancy_shortlist(actor: Actor, vacancy_id: Any) -> VacancyShortlist:
    """The shortlist of one of the employer's vacancies (open or closed), graduates still visible
    only, waiting answers first. The graduates listed are recorded in the audit trail."""
    vacancy = _own_vacancy(actor, vacancy_id)
    entries = list(db.session.scalars(
        select(ShortlistEntry).where(ShortlistEntry.vacancy_id == vacancy.id)
        .order_by((ShortlistEntry.answer == ShortlistAnswer.INTERESTED).desc(),
                  (ShortlistEntry.answer == ShortlistAnswer.PENDING).desc(), ShortlistEntry.shortlisted_at.desc(),
                  ShortlistEntry.id.desc())))
    visible = set(db.session.scalars(select(TalentProfile.trainee_id).where(
        TalentProfile.trainee_id.in_([e.trainee_id for e in entries] or [-1]))))
    shown = [e for e in entries if e.trainee_id in visible]
    views = _profiles_of([e.trainee_id for e in shown])
    interested = [e.trainee_id for e in shown if e.answer == ShortlistAnswer.INTERESTED]
    emails = dict(db.session.execute(select(Trainee.id, Trainee.email).where(
        Trainee.id.in_(interested))).all()) if interested else {}
    result = VacancyShortlist(vacancy=vacancy, hidden=len(entries) - len(shown))
    for e in shown:
        result.rows.append(ShortlistRow(id=e.id, profile=views[e.trainee_id], shortlisted_at=e.shortlisted_at,
                                        answer=e.answer, answered_at=e.answered_at,
                                        email=emails.get(e.trainee_id) if e.answer == ShortlistAnswer.INTERESTED
                                        else None))
    if shown:
        audit.record(actor, "talent_profile.shortlist_view", "vacancy", vacancy.id,
                     trainee_ids=[e.trainee_id for e in shown])
    return result


def shortlisted_ids(actor: Actor, vacancy_id: int) -> set[int]:
    """Trainee ids already (and still) on a vacancy's shortlist: the talent page marks them."""
    vacancy = _own_vacancy(actor, vacancy_id)
    return set(db.session.scalars(select(ShortlistEntry.trainee_id).where(
        ShortlistEntry.vacancy_id == vacancy.id, ShortlistEntry.answer != ShortlistAnswer.WITHDRAWN)))


def employer_name(actor: Actor) -> str:
    employer = db.session.get(Employer, _employer_id(actor))
    return employer.name if employer else ""


__all__ = ["PER_PAGE", "MAX_PER_PAGE", "ANSWERS", "ProfileCertification", "ProfileSkill", "TalentProfileView",
           "ProfilePage", "MyTalentProfile", "MyShortlist", "ShortlistRow", "VacancyShortlist", "is_graduate",
           "my_profile", "opt_in", "opt_out", "my_shortlists", "answer_shortlist", "visible_profiles",
           "open_vacancies", "filter_choices", "shortlist_vacancy", "shortlist", "vacancy_shortlist", "shortlisted_ids",
           "employer_name"]
