"""Notifications: the transactional outbox, its delivery channels, the worker and the events
that write to it (issue 18; docs/reliability.md).

Two layers live here. The core (``models``, ``outbox``, ``channels``, ``worker``) sits beside
``talent.mail`` at the bottom of the import layers: it knows rows to send, never a domain. The
receivers of the domain signals (``events``), the scheduled work (``scheduler``) and the
administrator's actions (``services``) read the domains and sit in the application layer.
This ``__init__`` imports nothing, so each half can be imported alone.
"""
