"""Clinical content as data files, and the registry of the sources they cite.

Every clinical number, rule, drug fact or exercise lives in a YAML file under
`nervecare/knowledge/data/`, packaged with the code and read through `importlib.resources` (never
located by file paths). Each entry names source keys; `sources/*.yaml` hold the full citations, one
file per area so that areas grow without stepping on each other.
"""

from __future__ import annotations

from nervecare.knowledge._files import read_data, read_text
from nervecare.knowledge.sources import Source, SourceRegistry, load_sources

__all__ = ["Source", "SourceRegistry", "load_sources", "read_data", "read_text"]
