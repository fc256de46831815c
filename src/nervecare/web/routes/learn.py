"""Plain-language pages for patients: what to expect, the treatments, the warning signs.

The texts are data (web/content/learn.yaml), each page citing its sources, translated through
the same catalogues as the rest of the interface. Open to anyone: nothing personal is shown.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from nervecare.knowledge import load_sources
from nervecare.web.deps import PageDep

__all__ = ["Topic", "load_topics", "router"]

router = APIRouter(tags=["learn"], include_in_schema=False)


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: str
    title: str
    paragraphs: tuple[str, ...] = Field(min_length=1)
    sources: tuple[str, ...] = Field(min_length=1)


class _Topics(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    topics: tuple[Topic, ...]


@cache
def load_topics() -> tuple[Topic, ...]:
    text = resources.files("nervecare.web").joinpath("content", "learn.yaml").read_text("utf-8")
    topics = _Topics.model_validate(yaml.safe_load(text)).topics
    registry = load_sources()
    for topic in topics:
        registry.require(topic.sources, cited_by=f"web/content/learn.yaml {topic.slug}")
    return topics


@router.get("/learn")
def learn_index(page: PageDep) -> Response:
    return page.render("learn/index.html", topics=load_topics())


@router.get("/learn/{slug}")
def learn_topic(slug: str, page: PageDep) -> Response:
    topic = next((t for t in load_topics() if t.slug == slug), None)
    if topic is None:
        raise HTTPException(status_code=404, detail="not found")
    registry = load_sources()
    sources = [(key, registry[key].citation(), registry[key]) for key in topic.sources]
    return page.render("learn/topic.html", topic=topic, sources=sources)
