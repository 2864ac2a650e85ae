"""One translated label for every code a person can see: statuses, roles, levels, modes, markets,
employment types, education, sources, sort keys and audit actions.

Pages, prints and exports show ``label(kind, code)`` (the ``label`` Jinja filter:
``{{ cohort.status|label("cohort_status") }}``), never the code itself; an unknown code comes back
as itself so nothing is hidden, and the browser sweep (tests/test_browser_sweep.py) fails on a raw
code that reaches a page.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

COHORT_STATUS = {"planned": _l("Planned"), "open": _l("Open"), "running": _l("Running"),
                 "completed": _l("Completed"), "cancelled": _l("Cancelled")}
ENROLLMENT_STATUS = {"applied": _l("Applied"), "waitlisted": _l("Waiting list"), "enrolled": _l("Enrolled"),
                     "completed": _l("Completed"), "failed": _l("Not passed"), "withdrawn": _l("Withdrawn")}
AWARD_STATUS = {"valid": _l("Valid"), "expired": _l("Expired"), "revoked": _l("Revoked")}
MODE = {"onsite": _l("On-site"), "online": _l("Online"), "hybrid": _l("Hybrid")}
LEVEL = {"foundation": _l("Foundation"), "intermediate": _l("Intermediate"), "advanced": _l("Advanced")}
ROLE = {"admin": _l("System administrator"), "center_admin": _l("Center administrator"),
        "trainee": _l("Trainee"), "ministry": _l("Ministry analyst"), "employer": _l("Employer")}
MARKET = {"local": _l("Local"), "regional": _l("Regional"), "international": _l("International")}
EMPLOYMENT_TYPE = {"full_time": _l("Full time"), "part_time": _l("Part time"), "contract": _l("Contract"),
                   "internship": _l("Internship"), "self_employed": _l("Self-employed")}
VERIFICATION = {"verified": _l("Verified"), "pending": _l("Pending"), "rejected": _l("Rejected")}
SOURCE = {"center": _l("Center"), "self_reported": _l("Self-reported")}
EDUCATION = {"secondary": _l("Secondary"), "vocational": _l("Vocational"), "bachelor": _l("Bachelor"),
             "master": _l("Master"), "doctorate": _l("Doctorate")}
GENDER = {"F": _l("Female"), "M": _l("Male")}
LANGUAGE = {"az": _l("Azerbaijani"), "en": _l("English"), "ru": _l("Russian")}
ATTENDANCE_MARK = {"present": _l("Present"), "absent": _l("Absent"), "excused": _l("Excused")}
# A graduate's answer to an employer's shortlist (issue 20).
SHORTLIST_ANSWER = {"pending": _l("Waiting for an answer"), "interested": _l("Interested"),
                    "not_interested": _l("Not interested"), "withdrawn": _l("Withdrawn (profile hidden)")}
FOLLOWUP_OUTCOME = {"employed": _l("Employed"), "looking": _l("Still looking"),
                    "studying": _l("In further study"), "unreachable": _l("Unreachable")}
# Sort keys of list pages (the column, in the page's language, without the storage column's name).
SORT = {"code": _l("Code"), "name": _l("Name"), "name_az": _l("Name"), "name_en": _l("Name (English)"),
        "title": _l("Title"), "title_az": _l("Title"), "title_en": _l("Title (English)"),
        "level": _l("Level"), "hours": _l("Hours"), "city": _l("City"), "capacity": _l("Capacity"),
        "created_at": _l("Created"), "pass_mark": _l("Pass mark"), "email": _l("Email"), "role": _l("Role"),
        "last_name": _l("Last name"), "start_date": _l("Start date"), "end_date": _l("End date")}
AUDIT_ACTION = {
    "application.submit": _l("Online application received"), "application.list": _l("Online applications listed"),
    "application.accept": _l("Online application accepted"), "application.reject": _l("Online application rejected"),
    "application.withdraw": _l("Online application withdrawn by the applicant"),
    "attendance.record": _l("Attendance recorded"),
    "award.issue": _l("Certificate issued"), "award.list": _l("Certificates listed"),
    "award.pdf": _l("Certificate PDF downloaded"), "award.renew": _l("Certificate renewed"),
    "award.revoke": _l("Certificate revoked"), "award.view": _l("Certificate viewed"),
    "center.activate": _l("Center activated or deactivated"), "center.create": _l("Center created"),
    "cohort.complete": _l("Cohort completed"), "cohort.create": _l("Cohort created"),
    "cohort.roster_view": _l("Cohort roster viewed"), "cohort.update": _l("Cohort changed"),
    "employer.create": _l("Employer added"),
    "enrollment.promote": _l("Moved from the waiting list"), "enrollment.waitlist": _l("Put on the waiting list"),
    "enrollment.withdraw": _l("Withdrawn from a cohort"),
    "export.roster": _l("Roster exported"), "export.results": _l("Results exported"),
    "export.placements": _l("Placements exported"),
    "followup.record": _l("Follow-up recorded"), "import.trainees": _l("Trainees imported"),
    "objective.create": _l("Objective created"), "objective.delete": _l("Objective removed"),
    "objective.update": _l("Objective changed"),
    "placement.create": _l("Job recorded"), "placement.list_view": _l("Jobs listed"),
    "placement.reject": _l("Job rejected"), "placement.report": _l("Job reported"),
    "placement.update": _l("Job changed"), "placement.verify": _l("Job verified"),
    "placement.view": _l("Job viewed"),
    "placement.employer_confirm": _l("Job confirmed by the employer"),
    "placement.employer_decline": _l("Job declined by the employer"),
    "placement.employer_list_view": _l("Jobs listed by the employer"),
    "vacancy.create": _l("Vacancy posted"), "vacancy.close": _l("Vacancy closed"),
    "talent_profile.opt_in": _l("Talent profile shown to employers"),
    "talent_profile.opt_out": _l("Talent profile hidden from employers"),
    "talent_profile.employer_view": _l("Talent profiles listed by an employer"),
    "talent_profile.shortlist": _l("Shortlisted by an employer"),
    "talent_profile.shortlist_view": _l("Shortlist viewed by the employer"),
    "talent_profile.answer": _l("Shortlist answered"),
    "employer.user_invite": _l("Employer user invited"),
    "report.export": _l("Report exported"), "scores.record": _l("Scores recorded"),
    "session.create": _l("Session added"), "session.delete": _l("Session removed"),
    "session.schedule": _l("Sessions scheduled"),
    "token.create": _l("API token created"), "token.revoke": _l("API token revoked"),
    "trainee.consent": _l("Consent changed"), "trainee.create": _l("Trainee registered"),
    "trainee.export": _l("Personal data exported"), "trainee.fin_known": _l("FIN entered and found registered"),
    "trainee.invite": _l("Invitation sent"),
    "trainee.search": _l("Found in a search"), "trainee.update": _l("Personal data changed"),
    "trainee.view": _l("Personal data viewed"), "trainee.view_contacts": _l("Contact details viewed"),
    "trainee.view_list": _l("Seen in a list"),
    "user.activate": _l("Account activated or deactivated"), "user.create": _l("Account created"),
    "user.invitation_accept": _l("Invitation accepted"), "user.password_change": _l("Password changed"),
    "user.password_reset": _l("Password reset"), "user.set_centers": _l("Centers assigned"),
    "user.login_eid": _l("Signed in with the national e-ID"), "user.link_eid": _l("Linked to the national e-ID"),
    "user.unlink_eid": _l("National e-ID link removed"),
    "user.logout_eid": _l("Signed out by the national e-ID (back-channel logout)"),
    "user.create_eid": _l("Account created at the first national e-ID sign-in"),
    "audit.export": _l("Audit trail exported"), "award.reissue": _l("Certificate issued again"),
    "enrollment.correct": _l("Result corrected"), "followup.update": _l("Follow-up result corrected"),
    "followup.request_send": _l("Follow-up link sent"), "followup.request_remind": _l("Follow-up reminder sent"),
    "followup.answer": _l("Follow-up answered through the link"), "calendar.create": _l("Calendar link created"),
    "calendar.regenerate": _l("Calendar link replaced"),
    "placement.withdraw": _l("Job report withdrawn"), "reauth.failure": _l("Identity confirmation failed"),
    "user.invite": _l("Staff invitation sent"),
    "outbox.retry": _l("Outgoing message sent again"),
    "outbox.discard": _l("Outgoing message discarded"),
    "notifications.preferences": _l("Message choices changed"),
    "notifications.unsubscribe": _l("Unsubscribed by link"),
}

KINDS: dict[str, dict[str, Any]] = {
    "cohort_status": COHORT_STATUS, "enrollment_status": ENROLLMENT_STATUS, "award_status": AWARD_STATUS,
    "mode": MODE, "level": LEVEL, "role": ROLE, "market": MARKET, "employment_type": EMPLOYMENT_TYPE,
    "verification": VERIFICATION, "source": SOURCE, "education": EDUCATION, "gender": GENDER,
    "language": LANGUAGE, "attendance_mark": ATTENDANCE_MARK, "followup_outcome": FOLLOWUP_OUTCOME,
    "sort": SORT, "audit_action": AUDIT_ACTION, "shortlist_answer": SHORTLIST_ANSWER,
}


def label(code: Any, kind: str) -> str:
    """The label of ``code`` in the current language; the code itself when the table lacks it."""
    if code is None or code == "":
        return ""
    table = KINDS[kind]
    found = table.get(code)
    if found is None and kind == "audit_action" and isinstance(code, str):
        found = table.get(code.split(":", 1)[0])
    return str(found) if found is not None else str(code)


def choices(kind: str, codes=None) -> list[tuple[str, Any]]:
    """``(code, label)`` pairs for a select field, in the table's order (or ``codes``' order)."""
    table = KINDS[kind]
    return [(code, table.get(code, code)) for code in (codes if codes is not None else table)]
