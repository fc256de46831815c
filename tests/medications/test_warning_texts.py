"""Drug texts never send an emergency sign to a lower level than triage would.

Triage makes chest pain or breathlessness an emergency (vte.pulmonary_embolism). A medicine's
explanation that told the patient to "stop and call your care team" for chest pain sent an
emergency to the team's inbox; every drug text naming such a sign must send the patient to the
emergency number.
"""

from __future__ import annotations

import re

import pytest

from nervecare.medications import load_drug_knowledge, load_explanations
from nervecare.medications._localised import Localised

#: Signs that triage treats as an emergency, as a patient text would name them.
EMERGENCY_SIGNS = re.compile(r"chest pain|short(ness)? of breath|trouble breathing", re.I)
EMERGENCY_ROUTE = re.compile(r"emergency number|999|911|112|emergency department", re.I)


def _texts() -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = []
    entries: list[tuple[str, Localised]] = []
    for drug in load_drug_knowledge().drugs.values():
        entries += [(f"{drug.key}.{e.key}", e) for e in drug.side_effects]
        entries.append((f"{drug.key}.stopping", drug.stopping))
    for group, items in load_explanations().items():
        entries += [(f"{group}.{item.key}", item) for item in items]
    for where, entry in entries:
        for name, value in vars(entry).items():
            if isinstance(value, str):
                texts.append((f"{where}.{name}", value))
    return texts


TEXTS = [(where, text) for where, text in _texts() if EMERGENCY_SIGNS.search(text)]


def test_some_drug_text_names_an_emergency_sign() -> None:
    """Guards the test below against passing on nothing."""
    assert TEXTS


@pytest.mark.parametrize(("where", "text"), TEXTS, ids=[where for where, _ in TEXTS])
def test_a_drug_text_naming_an_emergency_sign_sends_to_the_emergency_number(
    where: str, text: str
) -> None:
    assert EMERGENCY_ROUTE.search(text), f"{where} names an emergency sign: {text}"
    assert not re.search(r"call your care team if[^.]*chest pain", text, re.I)
