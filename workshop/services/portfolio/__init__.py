"""A Fabrique's portfolio: imported workshop exports and the follow-up of their ideas.

One module per job: :mod:`.importing` (an export into the portfolio, in one
transaction) with :mod:`.rows` (what the export's items become as rows);
:mod:`.follow_up` (stage changes, merge proposals and their decisions); :mod:`.queries`
(sessions, défis, ideas and the funnel); :mod:`.serialize` (the read API's JSON). This
package names their public functions, so callers write ``portfolio.import_export``.
"""

from __future__ import annotations

from .follow_up import (
    accept_merge,
    change_stage,
    dismiss_merge,
    open_proposals,
)
from .importing import ImportResult, import_export
from .proposals import MERGE_CANDIDATES, MERGE_MIN_SCORE
from .queries import (
    Funnel,
    IdeaFilter,
    challenges_of,
    count_ideas,
    find_ideas,
    funnel,
    idea,
    ideas_query,
    lineage,
    session_in,
    sessions_of,
)
from .serialize import serialize_challenge, serialize_funnel, serialize_idea, serialize_session

__all__ = [
    "MERGE_CANDIDATES",
    "MERGE_MIN_SCORE",
    "Funnel",
    "IdeaFilter",
    "ImportResult",
    "accept_merge",
    "challenges_of",
    "change_stage",
    "count_ideas",
    "dismiss_merge",
    "find_ideas",
    "funnel",
    "idea",
    "ideas_query",
    "import_export",
    "lineage",
    "open_proposals",
    "serialize_challenge",
    "serialize_funnel",
    "serialize_idea",
    "serialize_session",
    "session_in",
    "sessions_of",
]
