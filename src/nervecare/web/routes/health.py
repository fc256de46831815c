"""`GET /healthz`: the app is up and its database answers."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from nervecare.web.deps import StoreDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(store: StoreDep) -> dict[str, str]:
    """Ready when the database answers a query."""
    with store.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return {"status": "ok"}
