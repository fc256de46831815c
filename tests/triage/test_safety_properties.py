"""Safety properties of triage, over generated check-ins (hypothesis).

These are the promises a clinician relies on: more findings never mean less urgency, a new cauda
equina sign is always an emergency, the same input always gives the same answer, and every
level above self care is explained with sources that exist.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from nervecare.checkin import parse_checkin
from nervecare.knowledge import load_sources, read_data
from nervecare.triage import NoteFinding, evaluate, level_rank, load_ruleset, triage
from nervecare.triage.rules import parse_ruleset
from tests.strategies import checkin_documents, new_ces_sign, with_sign, worsenings

many = settings(max_examples=400)


@many
@given(st.data())
def test_adding_or_worsening_a_finding_never_lowers_the_level(data: st.DataObject) -> None:
    """Monotonicity: one more finding, or a worse status, never gives a lower level."""
    document = data.draw(checkin_documents())
    worse = data.draw(worsenings(document))
    before = triage(parse_checkin(document)).level
    after = triage(parse_checkin(worse)).level
    assert level_rank(after) >= level_rank(before), (document, worse)


@many
@given(checkin_documents(), new_ces_sign())
def test_a_new_cauda_equina_sign_is_an_emergency_whatever_else(
    document: dict[str, Any], sign: tuple[str, Any]
) -> None:
    """Any new or worsening cauda equina sign gives emergency, whatever the rest says."""
    result = triage(parse_checkin(with_sign(document, *sign)))
    assert result.level == "emergency"
    assert any(r.code.startswith("cauda_equina.") for r in result.reasons)


@given(checkin_documents())
def test_the_same_check_in_always_gives_the_same_result(document: dict[str, Any]) -> None:
    """Determinism: triage is a pure function of its input."""
    assert triage(parse_checkin(document)) == triage(parse_checkin(dict(document)))


@many
@given(st.lists(checkin_documents(), min_size=2, max_size=6))
def test_remembered_results_equal_freshly_computed_ones(documents: list[dict[str, Any]]) -> None:
    """The memo of structured results never changes an answer: a fresh ruleset agrees."""
    fresh = parse_ruleset(read_data("triage", "rules.yaml"))
    for document in documents:
        checkin = parse_checkin(document)
        remembered = evaluate(checkin, load_ruleset())
        assert remembered == evaluate(checkin, fresh)
        assert remembered.to_json_line() == evaluate(checkin, fresh).to_json_line()


@many
@given(checkin_documents())
def test_every_level_above_self_care_is_explained_with_real_sources(
    document: dict[str, Any],
) -> None:
    """Above self care there is a reason; every reason cites sources held in the registry."""
    result = triage(parse_checkin(document))
    registry = load_sources()
    if result.level != "self_care":
        assert result.reasons
        assert max(level_rank(r.level) for r in result.reasons) == level_rank(result.level)
    for reason in result.reasons:
        assert reason.sources
        assert all(key in registry for key in reason.sources)


@given(checkin_documents())
def test_every_result_is_valid_under_the_result_contract(
    result_schema: dict[str, Any], document: dict[str, Any]
) -> None:
    """What triage returns always fits shared/contracts/triage-result.schema.json."""
    import jsonschema  # noqa: PLC0415

    jsonschema.validate(triage(parse_checkin(document)).to_json_dict(), result_schema)


@many
@given(checkin_documents(), new_ces_sign())
def test_a_sign_written_in_the_notes_counts_like_the_answer(
    document: dict[str, Any], sign: tuple[str, Any]
) -> None:
    """A finding from the notes raises the level exactly as the structured answer would."""
    field, value = sign
    from_answer = triage(parse_checkin(with_sign(document, field, value)))
    finding = NoteFinding(field=field, value=value, evidence="words", detector="test")
    from_notes = triage(parse_checkin(document), note_findings=[finding])
    assert from_notes.level == from_answer.level


@given(checkin_documents(), new_ces_sign())
def test_a_possible_cauda_equina_sign_is_asked_about_at_emergency_level(
    document: dict[str, Any], sign: tuple[str, Any]
) -> None:
    """A 'possible' (semantic) sign never sets the level by itself: it is asked, at the level
    the sign would carry, unless the check-in is already an emergency."""
    field, value = sign
    finding = NoteFinding(
        field=field, value=value, evidence="words", certainty="possible", detector="semantic"
    )
    without = triage(parse_checkin(document))
    result = triage(parse_checkin(document), note_findings=[finding])
    assert result.level == without.level
    if result.level != "emergency":
        assert result.status == "needs_confirmation"
        assert result.confirm[0].level == "emergency"
        assert result.confirm[0].field == field
