"""Storage: SQLAlchemy models, Alembic migrations, repositories and the transactional services.

Nothing here connects at import time: `open_store()` builds an engine and a session factory for
a URL (the settings' by default) when asked.
"""

from __future__ import annotations
