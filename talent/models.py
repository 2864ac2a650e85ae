"""Every model, imported in one place so Alembic and the app see the whole schema."""
from talent.accounts.models import ApiToken, CenterAssignment, IdempotencyRecord, RecoveryCode, User  # noqa: F401
from talent.audit import AuditEvent  # noqa: F401
from talent.catalog.models import Certification, Course, Occupation, Sector, Skill, course_skills  # noqa: F401
from talent.centers.models import Center  # noqa: F401
from talent.credentials.models import Award, SerialCounter  # noqa: F401
from talent.geo.models import Country, Region  # noqa: F401
from talent.learning.models import Attendance, Cohort, CohortSession, Enrollment, ResultCorrection  # noqa: F401
from talent.learning.calendar_models import CalendarFeed  # noqa: F401
from talent.objectives.models import Objective  # noqa: F401
from talent.people.models import Trainee, TraineeCenter  # noqa: F401
from talent.placement.models import Employer, FollowUp, FollowUpOpen, Placement, ReportedJobCenter  # noqa: F401
from talent.placement.followup_models import FollowUpRequest  # noqa: F401
from talent.reporting.models import ReportCohortDay, ReportCohortTotal, ReportSummaryState  # noqa: F401
from talent.notifications.models import NotificationPreference, OutboxMessage  # noqa: F401
from talent.accounts.oidc_models import EidIdentity  # noqa: F401
from talent.applications.models import Application  # noqa: F401
from talent.placement.profiles_models import ShortlistEntry, TalentProfile  # noqa: F401
