"""Alert delivery: the pure policies (retry, escalation, messages, signing, reminders, silence),
the channels that send (SMTP, webhook) and the worker that drains the outbox.

Nothing is imported here on purpose: `nervecare.alerts.retry` and friends load in milliseconds,
and the worker (SQLAlchemy, httpx) only when it is used.
"""

__all__: list[str] = []
