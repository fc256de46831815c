"""JWT ids used by signed FHIR and CDS Hooks calls, kept in the database until their tokens
expire, so that a token is accepted once across every web process (issue 16, item 10)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from nervecare.store.engine import SessionFactory
from nervecare.store.models import TokenIdRow

__all__ = ["claim_token_id"]


def _instant(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def claim_token_id(sessions: SessionFactory, *, key: str, expires_at: float, now: float) -> bool:
    """True the first time `key` is seen (and remembers it until `expires_at`); False on a
    replay, including one racing in another process (the primary key decides)."""
    try:
        with sessions.begin() as session:
            session.execute(delete(TokenIdRow).where(TokenIdRow.expires_at < _instant(now)))
            if session.scalar(select(TokenIdRow.key).where(TokenIdRow.key == key)) is not None:
                return False
            session.add(TokenIdRow(key=key, expires_at=_instant(expires_at)))
    except IntegrityError:
        return False
    return True
