"""Duplicate review payloads: a cluster of ideas merged into one, or kept apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from .fields import id_list, identifier, require_mapping

#: Ideas one merge or one dismissal may name: more than any suggested cluster holds.
DUPLICATES_MAX = 50


@dataclass(frozen=True)
class DuplicateMerge:
    into_id: int  # kept
    idea_ids: list[int]  # absorbed by it, in this order


@dataclass(frozen=True)
class DuplicateDismissal:
    idea_ids: list[int]  # not duplicates of one another


def _ideas(data: dict[str, Any], at_least: int) -> list[int]:
    ids = id_list(data, "idea_ids", max_len=DUPLICATES_MAX)
    if len(ids) < at_least:
        raise ValidationError(
            _("Choose at least two ideas.") if at_least > 1 else _("Choose an idea to merge."),
            field="idea_ids",
            reason="too_few",
        )
    return ids


def parse_duplicate_merge(payload: Any) -> DuplicateMerge:
    """``{"into_id", "idea_ids"}``: the ideas of ``idea_ids`` are absorbed by ``into_id``."""
    data = require_mapping(payload)
    into_id = identifier(data, "into_id")
    assert into_id is not None  # noqa: S101
    ids = _ideas(data, 1)
    if into_id in ids:
        raise ValidationError(
            _("The idea kept cannot also be merged."), field="idea_ids", reason="same"
        )
    return DuplicateMerge(into_id, ids)


def parse_duplicate_dismissal(payload: Any) -> DuplicateDismissal:
    """``{"idea_ids"}``: two ideas or more that are not duplicates of one another."""
    return DuplicateDismissal(_ideas(require_mapping(payload), 2))
