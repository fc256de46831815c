"""FastAPI dependencies shared by the FHIR and CDS Hooks routers.

They read the application's state (`app.state.store`, as the web app's factory sets it, and
optionally `app.state.interop_settings`), so the routers work in the web app and in a test's own
minimal app alike.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from nervecare.interop.jwt_auth import (
    JtiCache,
    ReplayGuard,
    StoredJtis,
    TokenError,
    VerifiedCaller,
    verify_bearer,
)
from nervecare.interop.settings import InteropSettings, get_interop_settings
from nervecare.store.service import Store

__all__ = [
    "InteropSettingsDep",
    "StoreDep",
    "TrustedCaller",
    "get_interop_settings_dep",
    "get_store",
    "trusted_caller",
]


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_interop_settings_dep(request: Request) -> InteropSettings:
    settings = getattr(request.app.state, "interop_settings", None)
    return settings if isinstance(settings, InteropSettings) else get_interop_settings()


def _replay_cache(request: Request) -> ReplayGuard:
    """The database's record of used JWT ids (shared by every process), or, for an app
    without a store, this process's memory."""
    store = getattr(request.app.state, "store", None)
    if isinstance(store, Store):
        return StoredJtis(store.sessions)
    cache = getattr(request.app.state, "interop_jti_cache", None)
    if not isinstance(cache, JtiCache):
        cache = request.app.state.interop_jti_cache = JtiCache()
    return cache


_log = logging.getLogger("nervecare.interop.jwt_auth")
#: The one answer to an untrusted call.
UNTRUSTED = "this call is not trusted: send a valid, fresh JWT signed by a trusted issuer"

StoreDep = Annotated[Store, Depends(get_store)]
InteropSettingsDep = Annotated[InteropSettings, Depends(get_interop_settings_dep)]


def trusted_caller(request: Request, settings: InteropSettingsDep) -> VerifiedCaller:
    """A call signed by a trusted issuer for exactly this endpoint, or 401."""
    base = settings.public_base_url or str(request.base_url)
    audience = base.rstrip("/") + request.url.path
    try:
        return verify_bearer(
            request.headers.get("authorization"),
            audience=audience,
            settings=settings,
            replay=_replay_cache(request),
        )
    except TokenError as error:
        # The caller learns only that the call is not trusted; which issuers and keys are
        # trusted, and why this token is not, stays in the log (issue 16, item 10).
        _log.info("refused a call to %s: %s", request.url.path, error)
        raise HTTPException(
            status_code=401, detail=UNTRUSTED, headers={"WWW-Authenticate": "Bearer"}
        ) from None


TrustedCaller = Annotated[VerifiedCaller, Depends(trusted_caller)]
