"""Stepped-care suggestions for clinicians: data entries matched to a patient's history.

Pure: `suggest_care(history, trajectory)` reads packaged, cited data and returns values.
"""

from __future__ import annotations

from nervecare.careplan._catalogue import Catalogue, load_catalogue
from nervecare.careplan._engine import suggest_care
from nervecare.careplan.models import (
    CLINICAL_JUDGEMENT_NOTICE,
    PILLAR_ORDER,
    Conflict,
    Evidence,
    Pillar,
    Suggestion,
    TriggerFact,
)

__all__ = [
    "CLINICAL_JUDGEMENT_NOTICE",
    "PILLAR_ORDER",
    "Catalogue",
    "Conflict",
    "Evidence",
    "Pillar",
    "Suggestion",
    "TriggerFact",
    "load_catalogue",
    "suggest_care",
]
