"""The web application: patient check-in and home, the clinician dashboard, and a JSON API.

Server-rendered pages (Jinja2) that work without JavaScript; `create_app(settings)` builds one
application per call, opening the store in its lifespan, so tests can run it on any database.
"""

from __future__ import annotations

from nervecare.web._app import create_app

__all__ = ["create_app"]
