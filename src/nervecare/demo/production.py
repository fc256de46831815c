"""Production never holds the SYNTHETIC demo cohort nor lets its published passwords sign in.

The demo sign-ins are printed in the README and on `nervecare serve`: in production they would
be a door anyone can open. So `demo` and `serve --demo` stop in production, `serve` does not
load the cohort there by default, and synthetic accounts cannot sign in (`nervecare.web`).
"""

from __future__ import annotations

import os

__all__ = ["DEMO_REFUSED", "in_production"]

DEMO_REFUSED = (
    "refusing: NERVECARE_ENVIRONMENT is production, which never loads the SYNTHETIC demo cohort "
    "or its published sign-ins (run the demo on a development or demo database)"
)


def in_production() -> bool:
    """Whether this process runs as production (read from the environment, like the settings)."""
    return os.environ.get("NERVECARE_ENVIRONMENT", "").strip() == "production"
