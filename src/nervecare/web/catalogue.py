"""Every message a person can see, for the translation catalogues (and their completeness test).

Message ids come from the templates and the web code (`_("...")` calls, extracted with Babel's
Jinja2 and Python extractors) and from the data files whose texts patients read: the check-in
questions, the learning pages and the triage rules' plain words for patients.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from babel.messages.extract import extract_from_dir

from nervecare.questionnaire import load_questionnaire
from nervecare.triage import load_ruleset

__all__ = ["ERROR_DETAILS", "data_messages", "message_ids", "rule_patient_texts", "source_messages"]

#: Reasons given on error pages (HTTPException details), shown through the catalogue.
ERROR_DETAILS = (
    "not found",
    "already sent",
    "this page is for patients",
    "this page is for the care team",
    "the form has expired: please try again",
    "write a short note on what was done",
    "you can enrol patients in your teams only",
    "the request was not understood",
    "say whether this alert led to action",
    "this alert is not waiting to be sent again",
)

_METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
_OPTIONS = {"**/templates/**.html": {"extensions": "", "trim_blocks": "false"}}


def source_messages(root: Path | None = None, *, skip: tuple[str, ...] = ()) -> Iterator[str]:
    """`_("...")` ids in the web package's templates and code (files under `skip` left out)."""
    folder = root or Path(str(resources.files("nervecare.web")))
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(folder), method_map=_METHODS, options_map=_OPTIONS, keywords={"_": None}
    ):
        if isinstance(message, str) and message and not filename.startswith(skip):
            yield message


def rule_patient_texts() -> dict[str, str]:
    """Triage rule code -> its plain words for the patient."""
    return {rule.code: " ".join(rule.patient_text.split()) for rule in load_ruleset().rules}


def data_messages() -> Iterator[str]:
    """Patient-facing texts from data files."""
    from nervecare.web.routes.learn import load_topics  # noqa: PLC0415

    questionnaire = load_questionnaire()
    for choice in questionnaire.status_choices:
        yield choice.label
    for section in questionnaire.sections:
        yield section.title
        if section.intro:
            yield section.intro
        for question in section.questions:
            yield question.text
            for choice in question.choices:
                yield choice.label
    for topic in load_topics():
        yield topic.title
        yield from topic.paragraphs
    yield from rule_patient_texts().values()
    yield from ERROR_DETAILS


def message_ids(*, skip: tuple[str, ...] = ()) -> list[str]:
    """Every message id, each once, in first-seen order."""
    return list(dict.fromkeys([*source_messages(skip=skip), *data_messages()]))
