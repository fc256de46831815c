"""The packaged ruleset and source registry: strict, complete and cited."""

from __future__ import annotations

from typing import Any

import pytest

from nervecare.knowledge import load_sources, read_data
from nervecare.knowledge.sources import UnknownSourceError
from nervecare.triage.rules import load_ruleset, parse_ruleset


@pytest.fixture
def ruleset_document() -> dict[str, Any]:
    document: dict[str, Any] = read_data("triage", "rules.yaml")
    return document


def test_the_packaged_ruleset_loads_with_a_version() -> None:
    """The shipped ruleset validates and names its version."""
    ruleset = load_ruleset()
    assert ruleset.version
    assert len(ruleset.rules) >= 30


def test_every_cited_source_exists_and_has_a_link() -> None:
    """Every source key the ruleset cites is in the registry, with a URL or DOI."""
    registry = load_sources()
    for key in load_ruleset().all_source_keys():
        assert registry[key].link.startswith("http")


@pytest.mark.parametrize(
    "prefix",
    [
        "cauda_equina.",
        "neuro.foot_drop",
        "neuro.leg_weakness",
        "pain.",
        "infection.fever",
        "infection.wound",
        "vte.pulmonary_embolism",
        "vte.deep_vein_thrombosis",
        "csf_leak.",
    ],
)
def test_the_ruleset_covers_each_red_flag_family(prefix: str) -> None:
    """The issue's red-flag families each have at least one rule."""
    assert any(rule.code.startswith(prefix) for rule in load_ruleset().rules)


def test_an_unknown_key_in_a_rule_is_refused(ruleset_document: dict[str, Any]) -> None:
    """A rule whose data has a typo in a key does not load."""
    ruleset_document["rules"][0]["levle"] = "urgent"
    with pytest.raises(ValueError, match="levle"):
        parse_ruleset(ruleset_document)


def test_a_rule_citing_an_unknown_source_is_refused(ruleset_document: dict[str, Any]) -> None:
    """A rule cannot cite a source the registry does not hold."""
    ruleset_document["rules"][0]["sources"] = ["made_up_source"]
    with pytest.raises(UnknownSourceError, match="made_up_source"):
        parse_ruleset(ruleset_document)


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "bladder", "has": "leaky"},
        {"field": "foot_drop", "at_least": "terrible"},
        {"field": "calf_pain_or_swelling", "is": False},
        {"field": "leg_pain", "at_least": "high"},
        {"field": "shoe_size", "at_least": 9},
        {"field": "foot_drop", "at_most": "new"},
        {"context": "procedure", "at_least": 3},
    ],
)
def test_conditions_that_could_lower_a_level_or_do_not_fit_are_refused(
    ruleset_document: dict[str, Any], condition: dict[str, Any]
) -> None:
    """Only 'at least this bad' tests on real fields load, so rules stay monotone."""
    ruleset_document["rules"][0]["when"] = condition
    with pytest.raises(ValueError):  # noqa: PT011 - pydantic's message names the cause
        parse_ruleset(ruleset_document)


def test_each_level_has_its_advice(ruleset_document: dict[str, Any]) -> None:
    """A ruleset missing advice for a level does not load."""
    ruleset_document["level_advice"] = ruleset_document["level_advice"][1:]
    with pytest.raises(ValueError, match="level_advice"):
        parse_ruleset(ruleset_document)


def test_rule_codes_are_unique(ruleset_document: dict[str, Any]) -> None:
    """Two rules with one code would make reasons ambiguous."""
    ruleset_document["rules"].append(ruleset_document["rules"][0])
    with pytest.raises(ValueError, match="used twice"):
        parse_ruleset(ruleset_document)
