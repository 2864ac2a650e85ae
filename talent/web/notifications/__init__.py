"""Notification pages: the administrator's outbox queue, a trainee's channel preferences and the
unsubscribe link (issue 18)."""
