"""Every router the application serves, in one place.

`CORE_ROUTERS` are the web app's own; `extra_routers()` is where other packages plug in (FHIR
export/import and CDS Hooks from `nervecare.interop`, when it exists): add one line there.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from nervecare.web.routes import api, auth, clinician, health, learn, patient

__all__ = ["CORE_ROUTERS", "extra_routers", "include_routers"]

CORE_ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    patient.router,
    learn.router,
    clinician.router,
    api.router,
)


def extra_routers() -> list[APIRouter]:
    """Routers from other packages, imported only when the app is built."""
    routers: list[APIRouter] = []
    from nervecare.interop.api import routers as interop_routers  # noqa: PLC0415
    from nervecare.web.routes.plans import router as plans_router  # noqa: PLC0415

    routers.append(plans_router)
    routers += interop_routers()  # FHIR export/import and the CDS Hooks service
    return routers


def include_routers(app: FastAPI) -> None:
    for router in (*CORE_ROUTERS, *extra_routers()):
        app.include_router(router)
    from nervecare.interop.http import install_interop_http  # noqa: PLC0415

    install_interop_http(app)  # FHIR errors as OperationOutcomes, CORS for CDS Hooks
