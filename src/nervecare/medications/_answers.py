"""The patient's answers to the side-effect questions of a check-in, checked against the questions.

An answer is only taken for a question that was due (a medicine being started, on that day), so
a client cannot store answers about medicines the patient is not starting. A "yes" to a question
the source marks as needing prompt medical attention is picked out: the patient sees the
source's instruction, and `side_effect_reasons` makes it a triage reason at the level the data
gives (an alert to the care team like any other); other answers never change the triage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from nervecare.medications._knowledge import DrugKnowledge
from nervecare.medications.models import SideEffectQuestion
from nervecare.triage.result import Reason

__all__ = [
    "MAX_WORDS_LENGTH",
    "SideEffectAnswer",
    "SideEffectAnswerError",
    "check_side_effect_answers",
    "needing_prompt_attention",
    "side_effect_reasons",
]

#: "A few words": enough for "only in the morning", short enough to read at a glance.
MAX_WORDS_LENGTH = 200


class SideEffectAnswer(BaseModel):
    """Yes or no to one side-effect question, with the patient's own few words if any."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    drug: str = Field(pattern=r"^[a-z_]+$", max_length=64)
    key: str = Field(pattern=r"^[a-z_]+$", max_length=64)
    answer: bool
    words: str = Field(default="", max_length=MAX_WORDS_LENGTH)


class SideEffectAnswerError(ValueError):
    """Answers that do not fit the questions due; `problems` names each (nothing is stored)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = tuple(problems)


def check_side_effect_answers(
    questions: Sequence[SideEffectQuestion], answers: Iterable[SideEffectAnswer]
) -> tuple[SideEffectAnswer, ...]:
    """The answers in the order of the questions; refused if any is for a question not due, or
    answers the same question twice. Unanswered questions are allowed (the form asks for each)."""
    due = {(q.drug, q.key): index for index, q in enumerate(questions)}
    seen: dict[tuple[str, str], SideEffectAnswer] = {}
    problems: list[str] = []
    for answer in answers:
        pair = (answer.drug, answer.key)
        if pair not in due:
            problems.append(f"{answer.drug}.{answer.key}: not a side-effect question due today")
        elif pair in seen:
            problems.append(f"{answer.drug}.{answer.key}: answered more than once")
        else:
            seen[pair] = answer
    if problems:
        raise SideEffectAnswerError(problems)
    return tuple(sorted(seen.values(), key=lambda a: due[(a.drug, a.key)]))


def needing_prompt_attention(
    questions: Sequence[SideEffectQuestion], answers: Iterable[SideEffectAnswer]
) -> tuple[SideEffectQuestion, ...]:
    """The questions answered "yes" that the source marks as needing prompt medical attention."""
    yes = {(a.drug, a.key) for a in answers if a.answer}
    return tuple(q for q in questions if q.urgent and (q.drug, q.key) in yes)


def side_effect_reasons(
    answers: Iterable[SideEffectAnswer], knowledge: DrugKnowledge
) -> tuple[Reason, ...]:
    """Triage reasons for "yes" answers to side effects the source says need prompt attention.

    Safety first: slow or shallow breathing on a gabapentinoid is what the FDA calls potentially
    life-threatening, so the check-in is raised (and the care team alerted) exactly as a red flag
    would; the level and the instruction come from the drug data with their source.
    """
    reasons: list[Reason] = []
    for answer in answers:
        drug = knowledge.drugs.get(answer.drug)
        if drug is None or not answer.answer:
            continue
        effect = next((e for e in drug.side_effects if e.key == answer.key), None)
        if effect is None or not effect.urgent or effect.if_yes_level is None:
            continue
        said = f' The patient wrote: "{answer.words}".' if answer.words else ""
        reasons.append(
            Reason(
                code=f"medication.side_effect.{drug.key}.{effect.key}",
                level=effect.if_yes_level,
                summary=(
                    f"Answered yes, while starting {drug.plain_name}: {effect.question} "
                    f"{effect.if_yes}{said}"
                ),
                evidence=f"side-effect question {drug.key}.{effect.key}: yes",
                sources=effect.sources,
                origin="answers",
            )
        )
    return tuple(reasons)
