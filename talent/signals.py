"""Domain events: how a lower domain tells the ones above it that something happened, without
importing them (DESIGN §4: the layers are a contract; a domain reacts to another's event by
subscribing to a signal). The signals are blinker's, as Flask's own are.

A sender calls ``signal.send(actor, **data)`` after its own change is flushed, inside the same
transaction: a receiver's writes commit or roll back with the sender's. The receivers connect
when their module is imported; ``talent.create_app`` imports every subscribing module
(``talent.credentials.services``, ``talent.reporting.summary``), so no event goes unheard in the
app, the CLI or the tests.
"""
from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: A cohort was completed (``learning``). Data: ``cohort``. Receivers: credentials issues the
#: awards its completed enrollments earned; the report summary recounts the cohort.
cohort_completed = _signals.signal("cohort-completed")

#: A cohort was cancelled (``learning``); its active enrollments were withdrawn by a bulk update.
#: Data: ``cohort``. Receiver: the report summary recounts the cohort.
cohort_cancelled = _signals.signal("cohort-cancelled")

#: A completed enrollment's result was corrected (``learning``). Data: ``enrollment``, ``reason``.
#: Receiver: credentials makes the enrollment's awards follow the result and returns
#: ``{"issued": [...], "revoked": [...]}`` (the serials), which the sender records in the audit.
result_corrected = _signals.signal("result-corrected")

#: An enrollment was made or changed (``learning``). Data: ``enrollment``, ``event`` (``enrolled``,
#: ``waitlisted``, ``promoted`` from the waiting list) and ``notify`` (False when the sender tells
#: the person itself: an accepted application says the seat in its own one message). Receiver:
#: notifications tell the trainee.
enrollment_changed = _signals.signal("enrollment-changed")

#: An online application was received, accepted or rejected (``applications``). Data:
#: ``application``, ``event`` (``received``, ``accepted``, ``rejected``) and, when received, ``token``
#: (the private status link's, never stored). Receiver: notifications tell the applicant; on
#: ``accepted`` one message says both the decision and the seat or waiting-list place.
application_changed = _signals.signal("application-changed")

#: A cohort's dates or mode changed (``learning``). Data: ``cohort``, ``changed`` (field names).
#: Receiver: notifications tell its enrolled and waitlisted trainees.
cohort_rescheduled = _signals.signal("cohort-rescheduled")

#: An award was issued (``credentials``). Data: ``award``. Receiver: notifications (share and
#: verify links).
award_issued = _signals.signal("award-issued")

#: An award was revoked (``credentials``). Data: ``award``, ``reason``. Receiver: notifications.
award_revoked = _signals.signal("award-revoked")

#: An employer declined a job that names it (``placement``, issue 20). Data: ``placement`` (its
#: ``employer_decline_reason`` says why). Receiver: notifications tell the administrators of the
#: center that recorded the job, in their language.
placement_declined = _signals.signal("placement-declined")

#: Scheduled work runs (``talent notifications tick``, the worker's periodic job), once per run
#: inside its transaction. Data: ``day`` (the app's today). Receivers: notifications (session
#: reminders, expiry notices) and any other periodic job (follow-up waves); each must be safe to
#: run by several workers at once (outbox rows keyed by ``dedupe_key``).
scheduled_tick = _signals.signal("scheduled-tick")


#: An employer put a visible graduate on a vacancy's shortlist (``placement``, issue 20). Data:
#: ``entry`` (a ShortlistEntry), ``vacancy``. Receiver: notifications tell the graduate (after the
#: commit, in their language, with the link to answer).
talent_shortlisted = _signals.signal("talent-shortlisted")

#: A graduate answered an employer's shortlist (``placement``, issue 20). Data: ``entry``,
#: ``vacancy``. Receiver: notifications tell the employer's users (after the commit, each in their
#: language, with the link to the vacancy's shortlist).
shortlist_answered = _signals.signal("shortlist-answered")

def merged(results) -> dict:
    """The receivers' answers of ``signal.send(...)`` merged into one dict (``None`` skipped)."""
    out: dict = {}
    for _receiver, value in results:
        if value:
            out.update(value)
    return out
