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

def merged(results) -> dict:
    """The receivers' answers of ``signal.send(...)`` merged into one dict (``None`` skipped)."""
    out: dict = {}
    for _receiver, value in results:
        if value:
            out.update(value)
    return out
