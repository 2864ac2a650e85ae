"""Summary tables behind the ministry reports (kept current by :mod:`talent.reporting.summary`).

They hold nothing the live tables do not: counts per cohort, so a national or regional report
sums tens of thousands of small rows instead of scanning every enrollment. Each row is rebuilt
from the live rows of its cohort whenever a transaction changes one of its enrollments, awards,
dates or its trainees' placements; ``talent reports check-summary`` and the test suite compare
them with the live queries.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, SmallInteger, String, false
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base, utcnow


class ReportSummaryState(Base):
    """One row when the summary tables are built and maintained; absent until
    ``talent reports rebuild-summary`` has run on a database that already held data.
    ``timezone`` is the zone the ``day`` columns are counted in (TALENT_TIMEZONE at build time);
    reports in another zone read the live tables."""
    __tablename__ = "report_summary_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # The record keys the key sums were computed with (talent.reporting.cellkey.fingerprint());
    # the summary is read only while it matches the configured ones.
    key_id: Mapped[str | None] = mapped_column(String(32))
    # The regional countries (comma-joined, sorted) the markets of :class:`ReportExit` were taken
    # with (REGIONAL_COUNTRIES at build time); the outcome indicators read the live tables while
    # the configured ones differ (revision 0025_summary_exits).
    markets: Mapped[str | None] = mapped_column(String(400))
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class DayFigures:
    """The figures of a day row (cohort, trainee group or center): enrollments (enrolled_at),
    completions (completed_at), completions whose enrollment holds an original unrevoked award, and
    original unrevoked awards (issued_on); each with the sum of its enrollments' record keys."""
    enrolled: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    completed_awarded: Mapped[int] = mapped_column(Integer, default=0)
    certified: Mapped[int] = mapped_column(Integer, default=0)
    enrolled_key: Mapped[int] = mapped_column(Integer, default=0)
    completed_key: Mapped[int] = mapped_column(Integer, default=0)
    completed_awarded_key: Mapped[int] = mapped_column(Integer, default=0)
    certified_key: Mapped[int] = mapped_column(Integer, default=0)


DAY_FIGURES = ("enrolled", "completed", "completed_awarded", "certified", "enrolled_key", "completed_key",
               "completed_awarded_key", "certified_key")


class ReportCohortDay(DayFigures, Base):
    """Per cohort and day (in the summary's time zone): enrollments (enrolled_at), completions
    (completed_at), completions whose enrollment holds an original unrevoked award, and original
    unrevoked awards (issued_on); each with the sum of its enrollments' record keys
    (talent.reporting.cellkey), which the published figures are perturbed by."""
    __tablename__ = "report_cohort_days"
    # One center's days of a period (its per-course and per-skill figures, revision 0036).
    __table_args__ = (Index("ix_report_cohort_days_center_id_day", "center_id", "day"),)

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    # The cohort's center when the row was written (revision 0026_summary_center_days): what the
    # row was added to in report_center_days, so a recount takes it from there again even after
    # the cohort moved to another center.
    center_id: Mapped[int] = mapped_column(Integer)


class ReportCenterDay(DayFigures, Base):
    """:class:`ReportCohortDay` added up per center and day: the national, regional and per-center
    day figures sum a few thousand rows a year instead of every cohort's days (revision
    0026_summary_center_days). Kept by adding the differences of each recount of a cohort's day
    rows (an upsert that adds, so two transactions recounting cohorts of one center both count)."""
    __tablename__ = "report_center_days"

    center_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)


class CohortKept:
    """The cohort's center and dates, kept on its total rows (revision 0032_totals_cohort): the
    totals of a period (cohorts overlapping it, those that ended in it) are read without joining
    cohorts. Written with the rows; a cohort's dates or center changing recounts it."""
    center_id: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class ReportCohortTotal(CohortKept, Base):
    """Per cohort: enrollments now ``enrolled`` (active), completed, finished (completed, failed
    or withdrawn) and completed with a placement within six months of the cohort's end; each with
    the sum of its enrollments' record keys."""
    __tablename__ = "report_cohort_totals"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    active: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[int] = mapped_column(Integer, default=0)
    placed: Mapped[int] = mapped_column(Integer, default=0)
    active_key: Mapped[int] = mapped_column(Integer, default=0)
    completed_key: Mapped[int] = mapped_column(Integer, default=0)
    finished_key: Mapped[int] = mapped_column(Integer, default=0)
    placed_key: Mapped[int] = mapped_column(Integer, default=0)


class ReportGroupDay(DayFigures, Base):
    """:class:`ReportCohortDay` split by the trainee groups of the fairness report: gender, age band
    on the cohort's first day (``under_25``, ``25_34``, ``35_44``, ``45_plus``) and home region
    (``baku`` or ``other``). Summed over the groups it equals the cohort's day row."""
    __tablename__ = "report_group_days"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    gender: Mapped[str] = mapped_column(String(1), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(16), primary_key=True)
    home: Mapped[str] = mapped_column(String(8), primary_key=True)
    # The cohort's center when the row was written, as on report_cohort_days (revision
    # 0031_group_center_days): what it was added to in report_group_center_days.
    center_id: Mapped[int] = mapped_column(Integer)


class ReportGroupCenterDay(DayFigures, Base):
    """:class:`ReportGroupDay` added up per center, day and trainee group: the fairness figures of a
    period sum about 90,000 rows a year at 1,000,000 trainees instead of 620,000 (revision
    0031_group_center_days). Kept like :class:`ReportCenterDay`, by adding each recount's
    differences."""
    __tablename__ = "report_group_center_days"

    center_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    gender: Mapped[str] = mapped_column(String(1), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(16), primary_key=True)
    home: Mapped[str] = mapped_column(String(8), primary_key=True)


class ReportGroupTotal(CohortKept, Base):
    """:class:`ReportCohortTotal` split by the same trainee groups as :class:`ReportGroupDay`."""
    __tablename__ = "report_group_totals"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    gender: Mapped[str] = mapped_column(String(1), primary_key=True)
    age_band: Mapped[str] = mapped_column(String(16), primary_key=True)
    home: Mapped[str] = mapped_column(String(8), primary_key=True)
    active: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[int] = mapped_column(Integer, default=0)
    placed: Mapped[int] = mapped_column(Integer, default=0)
    active_key: Mapped[int] = mapped_column(Integer, default=0)
    completed_key: Mapped[int] = mapped_column(Integer, default=0)
    finished_key: Mapped[int] = mapped_column(Integer, default=0)
    placed_key: Mapped[int] = mapped_column(Integer, default=0)


class ReportCohortPlacement(Base):
    """Per cohort, the placements its completers count with: each placement (not rejected) of a
    trainee who completed the cohort, starting on or after the cohort's first day — the join the
    placement, market, mobility and trend figures make, kept so they need not scan enrollments.
    The employer (market, city) and the trainee (fairness groups) are read live through the ids."""
    __tablename__ = "report_cohort_placements"
    # One center's rows of a period (its per-course placements) as an index range (revision
    # 0034_center_indexes).
    __table_args__ = (Index("ix_report_cohort_placements_center_id_start_date", "center_id", "start_date"),)

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(Integer, index=True)
    employer_id: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    # Representative rows (revision 0022_summary_people): a placement counts with every completed
    # cohort of its trainee, so its rows repeat it; of the rows of one placement in one group, the
    # row with the lowest cohort id carries the flag of that grouping. A group's placements are then
    # the number of its flagged rows (a plain SUM, no DISTINCT pass). Groupings: every row of the
    # placement (rep_all; also right for gender and home, which are the trainee's), the region of
    # the cohort's center, the center, the (center, course) pair, and the age band on the cohort's
    # first day. Recomputed for every placement whose rows a recount touched.
    # The groups the flags are taken in, kept with the row (the pages group and scope by them
    # without joining cohorts, centers and trainees): the cohort's center, its region and course,
    # and the trainee's gender, age band on the cohort's first day and home (baku/other) as in the
    # group tables. Rewritten whenever one of them changes (the same marks as the flags).
    region_id: Mapped[int] = mapped_column(Integer)
    center_id: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(1))
    age_band: Mapped[str] = mapped_column(String(16))
    home: Mapped[str] = mapped_column(String(8))
    rep_all: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rep_region: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rep_center: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rep_course: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rep_age: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The course's sector, and the flag of the (placement, sector) grouping with its previous start
    # (revision 0027_summary_sector): the objectives on a sector count people placed and placements
    # from flagged rows like the other groupings.
    sector_id: Mapped[int | None] = mapped_column(Integer)
    rep_sector: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # People placed without a pass per person (revision 0024_summary_first_job): for each flag, on
    # a flagged row, the start of the same trainee's previous flagged row in the same group (rows in
    # (start, placement id) order; NULL on the first). A row is its trainee's first in the group
    # within a period [S, E] exactly when it starts in the period and its previous row started
    # before S (or there is none), so a group's people placed in any period are a plain filtered
    # count of its rows. NULL on rows without the flag. Recomputed for every trainee whose rows a
    # recount touched.
    prev_all: Mapped[date | None] = mapped_column(Date)
    prev_region: Mapped[date | None] = mapped_column(Date)
    prev_center: Mapped[date | None] = mapped_column(Date)
    prev_course: Mapped[date | None] = mapped_column(Date)
    prev_age: Mapped[date | None] = mapped_column(Date)
    prev_sector: Mapped[date | None] = mapped_column(Date)
    # The record keys of the placement and of its trainee (talent.reporting.cellkey, the keys the
    # summary state's fingerprint names), written with the row: the flat counts sum them instead of
    # computing two keys per row (revision 0028_summary_keys).
    pkey: Mapped[int] = mapped_column(Integer)
    tkey: Mapped[int] = mapped_column(Integer)
    # The employer's market (local, regional, international) with the regional countries the summary
    # was built with (``ReportSummaryState.markets``), written with the row; an employer's country
    # change recounts its placements' cohorts, which writes the rows again (revision
    # 0030_placement_months). What the monthly roll-up below is added up by.
    market: Mapped[str] = mapped_column(String(16))


# The "previous start" of a row that is its trainee's first in its group (no previous start).
NO_PREVIOUS = date(1, 1, 1)


class ReportPlacementMonth(Base):
    """The representative placement rows of :class:`ReportCohortPlacement` added up per grouping
    (``scope``: ``all`` nationally with ``rep_all``, ``region`` with ``rep_region``, ``center`` with
    ``rep_center``, ``sector`` with ``rep_sector``; ``group_id`` the region, center or sector, 0
    nationally), month of the start, market and the quarter of the row's previous start in its
    group (its first day; :data:`NO_PREVIOUS` when none). A period made of whole months that starts
    on a quarter's first day ``S`` counts a group's placements as the sum of its rows and its people
    placed as the sum of the rows whose previous quarter starts before ``S`` (the previous start is
    before ``S`` exactly when its quarter's first day is). About 13,000 rows a year at 1,000,000
    trainees instead of 440,000 placement rows (revision 0030_placement_months). Kept by adding, in
    the recount's transaction, the difference between the recounted trainees' rows after and before."""
    __tablename__ = "report_placement_months"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    group_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    market: Mapped[str] = mapped_column(String(16), primary_key=True)
    prev_quarter: Mapped[date] = mapped_column(Date, primary_key=True)
    placements: Mapped[int] = mapped_column(Integer)
    pkey: Mapped[int] = mapped_column(Integer)
    tkey: Mapped[int] = mapped_column(Integer)


class ReportPlacementEmployerMonth(Base):
    """The representative placement rows per region (``rep_region``) added up per (region of the
    cohort's center, month of the start, employer): the mobility report's placements by where they
    work, the employer's market and city region read live from its few hundred employers
    (revision 0033_mobility_months). Kept with :class:`ReportPlacementMonth`, from the same
    differences."""
    __tablename__ = "report_placement_employer_months"

    region_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    employer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    placements: Mapped[int] = mapped_column(Integer)
    pkey: Mapped[int] = mapped_column(Integer)


class ReportExit(Base):
    """One row per exit (talent.reporting.outcomes: an enrollment that ended completed, failed or
    withdrawn, of someone enrolled, in a cohort not cancelled, not withdrawn before the cohort's
    first day) with what the outcome indicators need of it, independent of the report date: its
    exit date (in the summary's time zone), groups, record key, whether a job was held in the 2nd
    and in the 4th calendar quarter after the exit quarter (overall and per market), the highest
    monthly pay of the jobs held in the 2nd (overall and per market) and whether an award (not
    revoked) was issued within a year of the exit. What depends on the report date — whether the
    2nd or 4th quarter or the year after exit is over — is a condition on ``exit_date`` applied when
    reading. Rewritten with the cohort's other summary rows (revision 0025_summary_exits)."""
    __tablename__ = "report_exits"

    # No foreign key to enrollments: its check would take a key-share lock on every exit of the
    # cohort while the recount holds the cohort, and a transaction holding one of those enrollments
    # (issuing its award) while it waits for the recount's serial counter would deadlock with it.
    # The row goes with its cohort's recount (a deleted enrollment marks its cohort) or the cohort.
    enrollment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    trainee_id: Mapped[int] = mapped_column(Integer)
    center_id: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(1))
    exit_date: Mapped[date] = mapped_column(Date, index=True)
    key: Mapped[int] = mapped_column(Integer)
    credentialed: Mapped[int] = mapped_column(SmallInteger)
    employed_q2: Mapped[int] = mapped_column(SmallInteger)
    employed_q4: Mapped[int] = mapped_column(SmallInteger)
    employed_q2_local: Mapped[int] = mapped_column(SmallInteger)
    employed_q4_local: Mapped[int] = mapped_column(SmallInteger)
    employed_q2_regional: Mapped[int] = mapped_column(SmallInteger)
    employed_q4_regional: Mapped[int] = mapped_column(SmallInteger)
    employed_q2_international: Mapped[int] = mapped_column(SmallInteger)
    employed_q4_international: Mapped[int] = mapped_column(SmallInteger)
    pay_q2: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    pay_q2_local: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    pay_q2_regional: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    pay_q2_international: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))


class ReportExitDay(Base):
    """:class:`ReportExit` added up per cohort, exit date and gender: the number of exits and of
    those with each indicator (an award within a year; a job in the 2nd / 4th quarter after exit,
    overall and per market; a pay recorded for the 2nd), each with the sum of the exits' record
    keys. The counts of the outcome indicators are sums of these rows (the conditions that depend
    on the report date are conditions on ``exit_date``); the medians read :class:`ReportExit`.
    Rewritten with the cohort's exits."""
    __tablename__ = "report_exit_days"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    exit_date: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    gender: Mapped[str] = mapped_column(String(1), primary_key=True)
    center_id: Mapped[int] = mapped_column(Integer)
    course_id: Mapped[int] = mapped_column(Integer)
    exiters: Mapped[int] = mapped_column(Integer)
    credentialed: Mapped[int] = mapped_column(Integer)
    employed_q2: Mapped[int] = mapped_column(Integer)
    employed_q4: Mapped[int] = mapped_column(Integer)
    paid_q2: Mapped[int] = mapped_column(Integer)
    employed_q2_local: Mapped[int] = mapped_column(Integer)
    employed_q4_local: Mapped[int] = mapped_column(Integer)
    paid_q2_local: Mapped[int] = mapped_column(Integer)
    employed_q2_regional: Mapped[int] = mapped_column(Integer)
    employed_q4_regional: Mapped[int] = mapped_column(Integer)
    paid_q2_regional: Mapped[int] = mapped_column(Integer)
    employed_q2_international: Mapped[int] = mapped_column(Integer)
    employed_q4_international: Mapped[int] = mapped_column(Integer)
    paid_q2_international: Mapped[int] = mapped_column(Integer)
    exiters_key: Mapped[int] = mapped_column(Integer)
    credentialed_key: Mapped[int] = mapped_column(Integer)
    employed_q2_key: Mapped[int] = mapped_column(Integer)
    employed_q4_key: Mapped[int] = mapped_column(Integer)
    paid_q2_key: Mapped[int] = mapped_column(Integer)
    employed_q2_local_key: Mapped[int] = mapped_column(Integer)
    employed_q4_local_key: Mapped[int] = mapped_column(Integer)
    paid_q2_local_key: Mapped[int] = mapped_column(Integer)
    employed_q2_regional_key: Mapped[int] = mapped_column(Integer)
    employed_q4_regional_key: Mapped[int] = mapped_column(Integer)
    paid_q2_regional_key: Mapped[int] = mapped_column(Integer)
    employed_q2_international_key: Mapped[int] = mapped_column(Integer)
    employed_q4_international_key: Mapped[int] = mapped_column(Integer)
    paid_q2_international_key: Mapped[int] = mapped_column(Integer)


class ReportKeptMark(Base):
    """A year whose kept report answers a committed transaction changed (for supply against demand:
    an award, a job, a home region, a cohort's end or course, a course's skills, sector or level, a
    vacancy; for the outcome indicators: a kept exit), written in that transaction; ``year`` NULL:
    every year. A kept answer (:class:`ReportKeptSnapshot`) is read only while no mark names one of
    its years; the refresh (talent.reporting.snapshots.refresh) removes the marks it has seen and
    computes the answers of their years again. Never unique: writers only add rows, so two
    transactions never wait for each other here (revision 0029_kept_snapshots)."""
    __tablename__ = "report_kept_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int | None] = mapped_column(SmallInteger, index=True)


class ReportKeptSnapshot(Base):
    """One report's answer for one published period (a calendar year or quarter, no course filter),
    as its live statement computed it: supply against demand's people figures (``report`` "supply",
    by skill or by occupation group) or the outcome indicators' figures with their medians
    ("outcomes", for the measurement bounds of a report date). ``params`` say how to compute it
    again. Written only by the refresh, under one lock; read only while no :class:`ReportKeptMark`
    names a year of the period and ``key_id`` is the record keys in use."""
    __tablename__ = "report_kept_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    report: Mapped[str] = mapped_column(String(20))
    params: Mapped[dict] = mapped_column(JSON)
    first_year: Mapped[int] = mapped_column(SmallInteger)
    last_year: Mapped[int] = mapped_column(SmallInteger)
    key_id: Mapped[str] = mapped_column(String(32))
    figures: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
