"""Side-effect answers: only for questions due, each once; an urgent "yes" carries the source's
instruction, and only where the data gives one with its source."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from nervecare.medications import (
    MAX_WORDS_LENGTH,
    MedicationPlan,
    PlanItem,
    SideEffectAnswer,
    SideEffectAnswerError,
    check_side_effect_answers,
    load_drug_knowledge,
    needing_prompt_attention,
    side_effect_questions,
    side_effect_reasons,
)
from nervecare.medications._knowledge import SideEffect
from nervecare.triage import level_rank

START = dt.date(2026, 1, 5)
PLAN = MedicationPlan(
    items=(
        PlanItem(
            drug="gabapentin",
            start_on=START,
            start_daily_mg=300,
            target_daily_mg=900,
            step_mg=300,
            step_every_days=1,
        ),
    )
)
QUESTIONS = side_effect_questions(PLAN, on=START)


def _answer(key: str, answer: bool, words: str = "", drug: str = "gabapentin") -> SideEffectAnswer:
    return SideEffectAnswer(drug=drug, key=key, answer=answer, words=words)


def test_answers_come_back_in_the_order_of_the_questions() -> None:
    """Whatever order they are sent in, answers follow the questions (urgent first)."""
    checked = check_side_effect_answers(
        QUESTIONS, [_answer("dizziness", True, " mornings "), _answer("breathing", False)]
    )
    assert [a.key for a in checked] == ["breathing", "dizziness"]
    assert checked[1].words == "mornings"


def test_an_answer_to_a_question_not_due_is_refused() -> None:
    """Naproxen is not being started, and nausea is not asked about gabapentin."""
    with pytest.raises(SideEffectAnswerError) as refused:
        check_side_effect_answers(
            QUESTIONS, [_answer("stomach", True, drug="naproxen"), _answer("nausea", False)]
        )
    assert len(refused.value.problems) == 2
    assert "naproxen.stomach" in str(refused.value)


def test_the_same_question_answered_twice_is_refused() -> None:
    with pytest.raises(SideEffectAnswerError, match="more than once"):
        check_side_effect_answers(QUESTIONS, [_answer("sleepiness", True)] * 2)


def test_after_the_start_window_no_answer_is_taken() -> None:
    """Once the medicine is no longer being started, there is nothing to answer."""
    later = side_effect_questions(PLAN, on=START + dt.timedelta(days=60))
    with pytest.raises(SideEffectAnswerError):
        check_side_effect_answers(later, [_answer("dizziness", False)])


def test_a_few_words_means_a_few_words() -> None:
    with pytest.raises(ValidationError):
        _answer("dizziness", True, "x" * (MAX_WORDS_LENGTH + 1))


def test_an_urgent_yes_is_picked_out_with_the_sources_instruction() -> None:
    """A yes to slow or hard breathing on gabapentin: the FDA communication's instruction."""
    picked = needing_prompt_attention(
        QUESTIONS, [_answer("breathing", True), _answer("dizziness", True)]
    )
    assert [q.key for q in picked] == ["breathing"]
    assert picked[0].if_yes is not None
    assert "straight away" in picked[0].if_yes
    assert picked[0].sources == ("med_fda_2019_gabapentinoids",)


def test_a_no_to_an_urgent_question_picks_out_nothing() -> None:
    assert needing_prompt_attention(QUESTIONS, [_answer("breathing", False)]) == ()


def test_instructions_exist_only_for_side_effects_marked_urgent() -> None:
    """The data gives an instruction only with the urgent marker, and every urgent one has one."""
    for drug in load_drug_knowledge().drugs.values():
        for effect in drug.side_effects:
            assert (effect.if_yes is not None) == effect.urgent, (drug.key, effect.key)
    with pytest.raises(ValidationError, match="urgent"):
        SideEffect(
            key="x",
            question="Is this a question?",
            if_yes="Do this now.",
            es={"question": "¿Es una pregunta?", "if_yes": "Haga esto ahora."},
            sources=("s",),
        )


@pytest.mark.parametrize("drug", ["gabapentin", "pregabalin"])
def test_a_yes_to_breathing_trouble_on_a_gabapentinoid_is_an_emergency_reason(drug: str) -> None:
    knowledge = load_drug_knowledge()
    answers = [
        SideEffectAnswer(drug=drug, key="breathing", answer=True, words="hard to wake"),
        SideEffectAnswer(drug=drug, key="dizziness", answer=True),
    ]
    (reason,) = side_effect_reasons(answers, knowledge)
    assert reason.level == "emergency"
    assert reason.code == f"medication.side_effect.{drug}.breathing"
    assert "med_fda_2019_gabapentinoids" in reason.sources
    assert "Get medical help straight away" in reason.summary
    assert "hard to wake" in reason.summary


def test_no_and_ordinary_yes_answers_give_no_reason() -> None:
    knowledge = load_drug_knowledge()
    answers = [
        SideEffectAnswer(drug="gabapentin", key="breathing", answer=False),
        SideEffectAnswer(drug="gabapentin", key="sleepiness", answer=True),
    ]
    assert side_effect_reasons(answers, knowledge) == ()


def test_every_urgent_side_effect_in_the_data_raises_to_at_least_urgent() -> None:
    knowledge = load_drug_knowledge()
    for drug in knowledge.drugs.values():
        for effect in drug.side_effects:
            answer = SideEffectAnswer(drug=drug.key, key=effect.key, answer=True)
            reasons = side_effect_reasons([answer], knowledge)
            if effect.urgent:
                assert [level_rank(r.level) >= level_rank("urgent") for r in reasons] == [True]
            else:
                assert reasons == ()
