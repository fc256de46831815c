"""The source registry: full citations behind every source key the knowledge files use."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from nervecare.knowledge._files import data_dir, read_data

__all__ = ["Source", "SourceRegistry", "UnknownSourceError", "load_sources"]

SourceKind = Literal[
    "guideline",
    "pathway",
    "patient_information",
    "discharge_instructions",
    "paper",
    "drug_label",
    "registry",
    "specification",
]


class Source(BaseModel):
    """One citable document. A source needs a URL or a DOI so a reader can check it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: SourceKind
    title: str = Field(min_length=3)
    publisher: str = Field(min_length=2, description="Organisation, or authors and journal.")
    year: int | None = Field(default=None, ge=1950, le=2100, description="None when undated.")
    url: HttpUrl | None = None
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    note: str | None = None

    @model_validator(mode="after")
    def _needs_a_link(self) -> Source:
        if self.url is None and self.doi is None:
            raise ValueError(f"source {self.key!r} needs a url or a doi")
        return self

    @property
    def link(self) -> str:
        return str(self.url) if self.url is not None else f"https://doi.org/{self.doi}"

    def citation(self) -> str:
        """One line a clinician can follow: publisher, title, year, link."""
        when = self.year if self.year is not None else "n.d."
        return f"{self.publisher}. {self.title} ({when}). {self.link}"


class UnknownSourceError(KeyError):
    pass


class SourceRegistry(Mapping[str, Source]):
    """Read-only map from key to `Source`, merged from every `sources/*.yaml` file."""

    def __init__(self, sources: Iterable[Source]) -> None:
        self._by_key: dict[str, Source] = {}
        for source in sources:
            known = self._by_key.get(source.key)
            # Two areas may cite the same guideline under the same key; it must be one document.
            if known is not None and known.link.rstrip("/") != source.link.rstrip("/"):
                raise ValueError(
                    f"source key {source.key!r} names two documents: {known.link} and {source.link}"
                )
            self._by_key.setdefault(source.key, source)

    def __getitem__(self, key: str) -> Source:
        try:
            return self._by_key[key]
        except KeyError:
            raise UnknownSourceError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def require(self, keys: Iterable[str], *, cited_by: str) -> None:
        """Fail loudly when a knowledge entry cites a key the registry does not hold."""
        missing = [key for key in keys if key not in self._by_key]
        if missing:
            raise UnknownSourceError(f"{cited_by} cites unknown source(s): {', '.join(missing)}")


@cache
def load_sources() -> SourceRegistry:
    """All packaged sources. Each YAML file maps key -> citation fields."""
    sources: list[Source] = []
    folder = data_dir("sources")
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".yaml"):
            continue
        for key, fields in (read_data("sources", entry.name) or {}).items():
            sources.append(Source.model_validate({"key": key, **fields}))
    return SourceRegistry(sources)
