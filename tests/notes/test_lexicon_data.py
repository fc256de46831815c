"""The notes lexicon as data: sources, contract answers, and loading without side effects."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nervecare.knowledge import load_sources
from nervecare.notes._lexicon import check_answer, load_lexicon


def test_every_cited_source_key_is_in_the_registry() -> None:
    """Every source key the notes rules, triggers and examples cite has a full citation."""
    missing = load_lexicon().cited_sources() - set(load_sources())
    assert missing == set()


def test_every_rule_maps_to_a_contract_answer() -> None:
    """Lay rules and semantic flags only use check-in contract fields and values."""
    lexicon = load_lexicon()
    answers = [(rule.field, rule.value) for rule in lexicon.rules]
    answers += [(flag.field, flag.value) for flag in lexicon.semantic.flags]
    for field, value in answers:
        check_answer(field, value)


@pytest.mark.parametrize(
    ("field", "value"),
    [("bladder", "leaking"), ("foot_drop", True), ("temperature_c", 50.0), ("mood", "low")],
)
def test_answers_outside_the_contract_are_refused(field: str, value: object) -> None:
    """A data entry with a field or value the contract does not allow fails to load."""
    with pytest.raises(ValueError, match="not a check-in contract answer"):
        check_answer(field, value)


def test_importing_the_package_loads_neither_spacy_nor_torch() -> None:
    """`import nervecare.notes` is cheap: models load on the first note only."""
    code = (
        "import sys, nervecare.notes; "
        "print(sorted(m for m in ('spacy', 'torch', 'medspacy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
