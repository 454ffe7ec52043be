"""Automatic grouping of ideas into défis, and close-idea hints.

Public API (imports are lazy: ``import workshop.grouping`` loads neither numpy nor the model;
the close-idea hints need numpy, the engine scikit-learn and scipy too):

- :func:`suggest_groups` — the engine, in this process.
- :func:`suggest_groups_in_worker` — the same, in a separate process (for event-loop servers).
- :func:`similar` / :class:`SimilarityIndex` — ideas close to a query, for duplicate hints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .result import Group
from .worker import GroupingError, suggest_groups_in_worker

if TYPE_CHECKING:
    from .nearby import Match, SimilarityIndex

__all__ = [
    "Group",
    "GroupingError",
    "Match",
    "SimilarityIndex",
    "similar",
    "suggest_groups",
    "suggest_groups_in_worker",
]


def suggest_groups(texts: list[str], k: int | None = None, lang: str = "fr") -> list[Group]:
    """Group ``texts`` into ``k`` défis (the engine chooses k when None); see :mod:`.engine`."""
    from .engine import suggest_groups as run

    return run(texts, k, lang)


def similar(
    texts_or_index: list[str] | SimilarityIndex,
    query: str,
    lang: str = "fr",
    limit: int = 5,
    min_score: float | None = None,
) -> list[Match]:
    """The ideas closest to ``query``, best first; see :mod:`.nearby`."""
    from .nearby import similar as run

    return run(texts_or_index, query, lang, limit, min_score)


def __getattr__(name: str) -> object:
    """Resolve ``Match`` and ``SimilarityIndex`` on first use (their module loads numpy)."""
    if name in ("Match", "SimilarityIndex"):
        from . import nearby as module

        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
