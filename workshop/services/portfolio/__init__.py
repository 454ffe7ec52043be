"""A Fabrique's portfolio: imported workshop exports and the follow-up of their ideas.

One module per job: :mod:`.importing` (an export into the portfolio, in one
transaction) with :mod:`.rows` (what the export's items become as rows) and
:mod:`.projects` (the projects, the portfolio's lines, and their history);
:mod:`.project_work` (a member's stage, sheet, holders and notes on a project) and
:mod:`.project_queries` (the projects list and page);
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
from .project_queries import (
    ProjectDetail,
    ProjectRow,
    challenge_projects,
    count_projects,
    counted,
    filter_choices,
    find_projects,
    project_detail,
    project_rows,
    projects_query,
)
from .project_work import (
    add_note,
    add_project_holder,
    change_project_stage,
    remove_project_holder,
    save_sheet,
    update_project,
)
from .projects import project_in
from .proposals import MERGE_CANDIDATES, MERGE_MIN_SCORE
from .queries import (
    PIPELINE,
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
from .serialize import (
    serialize_challenge,
    serialize_funnel,
    serialize_idea,
    serialize_project,
    serialize_session,
)

__all__ = [
    "MERGE_CANDIDATES",
    "MERGE_MIN_SCORE",
    "PIPELINE",
    "Funnel",
    "IdeaFilter",
    "ImportResult",
    "ProjectDetail",
    "ProjectRow",
    "accept_merge",
    "add_note",
    "add_project_holder",
    "challenge_projects",
    "challenges_of",
    "change_project_stage",
    "change_stage",
    "count_ideas",
    "count_projects",
    "counted",
    "dismiss_merge",
    "filter_choices",
    "find_ideas",
    "find_projects",
    "funnel",
    "idea",
    "ideas_query",
    "import_export",
    "lineage",
    "open_proposals",
    "project_detail",
    "project_in",
    "project_rows",
    "projects_query",
    "remove_project_holder",
    "save_sheet",
    "serialize_challenge",
    "serialize_funnel",
    "serialize_idea",
    "serialize_project",
    "serialize_session",
    "update_project",
    "session_in",
    "sessions_of",
]
