"""projects backfill: existing portfolios' défis and ideas become projects

Data only. Each imported défi becomes a project (kind "challenge") holding its ideas,
each idea without a défi a project of its own (kind "idea"), as imports do from now
on. A stage a member set on an idea in the portfolio (``stage_source`` "fabrique") is
the project's, which then follows the Fabrique rather than newer exports; ideas merged
into an idea of another session make their project merged into that idea's. Each new
project's history starts with "created" (by "import", ``backfill`` true). Rows that
already have a project are left alone, so running it on a portfolio imported since is
harmless.

Revision ID: f4a6c8e0b2d3
Revises: e2f4a6c8d0b1
Create Date: 2026-12-07 06:00:00.000000

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f4a6c8e0b2d3"
down_revision = "e2f4a6c8d0b1"
branch_labels = None
depends_on = None

sessions = sa.table(
    "portfolio_sessions",
    sa.column("id", sa.Integer),
    sa.column("fabrique_id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("territory", sa.Text),
)
challenges = sa.table(
    "portfolio_challenges",
    sa.column("id", sa.Integer),
    sa.column("session_id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("body", sa.Text),
    sa.column("qualification", sa.JSON),
    sa.column("absent_since", sa.DateTime),
)
ideas = sa.table(
    "portfolio_ideas",
    sa.column("id", sa.Integer),
    sa.column("fabrique_id", sa.Integer),
    sa.column("session_id", sa.Integer),
    sa.column("challenge_id", sa.Integer),
    sa.column("title", sa.Text),
    sa.column("body", sa.Text),
    sa.column("territory", sa.Text),
    sa.column("qualification", sa.JSON),
    sa.column("stage", sa.String),
    sa.column("stage_source", sa.String),
    sa.column("abandon_reason", sa.Text),
    sa.column("merged_into_id", sa.Integer),
    sa.column("project_id", sa.Integer),
    sa.column("absent_since", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
projects = sa.table(
    "projects",
    sa.column("id", sa.Integer),
    sa.column("fabrique_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("title", sa.Text),
    sa.column("summary", sa.Text),
    sa.column("territory", sa.Text),
    sa.column("campaign", sa.String),
    sa.column("session_id", sa.Integer),
    sa.column("challenge_id", sa.Integer),
    sa.column("source_kind", sa.String),
    sa.column("source_name", sa.Text),
    sa.column("review", sa.String),
    sa.column("stage", sa.String),
    sa.column("stage_changed_at", sa.DateTime),
    sa.column("abandon_reason", sa.Text),
    sa.column("sheet", sa.JSON),
    sa.column("follow_source", sa.String),
    sa.column("version", sa.Integer),
    sa.column("absent_since", sa.DateTime),
    sa.column("merged_into_id", sa.Integer),
    sa.column("in_call", sa.Boolean),
    sa.column("call_text", sa.Text),
    sa.column("published", sa.Boolean),
    sa.column("public_summary", sa.Text),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
events = sa.table(
    "project_events",
    sa.column("project_id", sa.Integer),
    sa.column("at", sa.DateTime),
    sa.column("by_label", sa.String),
    sa.column("kind", sa.String),
    sa.column("data", sa.JSON),
)

SHEET_TEXTS = (
    "target_public",
    "solution",
    "existing_offer",
    "partners",
    "economic_potential",
    "potential_holders",
    "next_step",
)


def _sheet(qualification):
    """An exported sheet as a project's (flat, the workshop's field names)."""
    if not qualification:
        return None
    need = qualification.get("need") or {}
    sheet = {
        "need_who": need.get("who") or "",
        "need_where": need.get("where") or "",
        "need_evidence": need.get("evidence") or "",
    }
    for key in SHEET_TEXTS:
        sheet[key] = qualification.get(key) or ""
    sheet["territory"] = qualification.get("territory") or ""
    sheet["insee_code"] = qualification.get("insee_code") or None
    sheet["maturity"] = qualification.get("maturity") or None
    return sheet


def _insert(connection, now, values, session_title):
    row = {
        "campaign": "",
        "source_kind": "",
        "source_name": "",
        "review": "accepted",
        "stage_changed_at": now,
        "version": 1,
        "merged_into_id": None,
        "in_call": False,
        "call_text": "",
        "published": False,
        "public_summary": "",
        "created_at": now,
        "updated_at": now,
        **values,
    }
    project_id = connection.execute(
        sa.insert(projects).values(**row).returning(projects.c.id)
    ).scalar_one()
    connection.execute(
        sa.insert(events).values(
            project_id=project_id,
            at=now,
            by_label="import",
            kind="created",
            data={
                "kind": row["kind"],
                "title": row["title"],
                "session": session_title,
                "stage": row["stage"],
                "backfill": True,
            },
        )
    )
    return project_id


def upgrade():
    connection = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    held = {s.id: s for s in connection.execute(sa.select(sessions))}
    taken = {
        row[0]
        for row in connection.execute(
            sa.select(projects.c.challenge_id).where(projects.c.challenge_id.is_not(None))
        )
    }
    all_ideas = list(connection.execute(sa.select(ideas).order_by(ideas.c.id)))
    by_challenge = {}
    for item in all_ideas:
        if item.challenge_id is not None:
            by_challenge.setdefault(item.challenge_id, []).append(item)

    challenge_projects = {}
    for challenge in connection.execute(sa.select(challenges).order_by(challenges.c.id)):
        if challenge.id in taken:
            continue
        session = held[challenge.session_id]
        qualification = challenge.qualification or {}
        sheet = _sheet(challenge.qualification)
        values = {
            "fabrique_id": session.fabrique_id,
            "kind": "challenge",
            "title": challenge.title or "",
            "summary": challenge.body or "",
            "territory": (sheet or {}).get("territory") or session.territory or "",
            "session_id": session.id,
            "challenge_id": challenge.id,
            "stage": qualification.get("stage") or "to_study",
            "abandon_reason": qualification.get("abandon_reason") or "",
            "sheet": sheet,
            "follow_source": "import",
            "absent_since": challenge.absent_since,
        }
        # A stage a member set on one of its ideas is the project's (the latest one).
        followed = [i for i in by_challenge.get(challenge.id, []) if i.stage_source == "fabrique"]
        if followed:
            latest = max(followed, key=lambda i: (i.updated_at or now, i.id))
            values.update(
                stage=latest.stage,
                abandon_reason=latest.abandon_reason or "",
                follow_source="fabrique",
            )
        challenge_projects[challenge.id] = _insert(connection, now, values, session.title)

    own = {}
    for item in all_ideas:
        if item.project_id is not None:
            continue
        if item.challenge_id is not None and item.challenge_id in challenge_projects:
            project_id = challenge_projects[item.challenge_id]
        elif item.challenge_id is not None:
            continue  # its défi already had a project: imported since, left alone
        else:
            session = held[item.session_id]
            project_id = _insert(
                connection,
                now,
                {
                    "fabrique_id": item.fabrique_id,
                    "kind": "idea",
                    "title": item.title or "",
                    "summary": item.body or "",
                    "territory": item.territory or "",
                    "session_id": item.session_id,
                    "challenge_id": None,
                    "stage": item.stage or "to_study",
                    "abandon_reason": item.abandon_reason or "",
                    "sheet": _sheet(item.qualification),
                    "follow_source": "fabrique" if item.stage_source == "fabrique" else "import",
                    "absent_since": item.absent_since,
                },
                session.title,
            )
            own[item.id] = project_id
        connection.execute(
            sa.update(ideas).where(ideas.c.id == item.id).values(project_id=project_id)
        )

    # Ideas merged across sessions: their own project is merged into the kept idea's.
    project_of = {
        row.id: row.project_id
        for row in connection.execute(sa.select(ideas.c.id, ideas.c.project_id))
    }
    for item in all_ideas:
        if item.merged_into_id is None or item.id not in own:
            continue
        into = project_of.get(item.merged_into_id)
        if into is None or into == own[item.id]:
            continue
        connection.execute(
            sa.update(projects).where(projects.c.id == own[item.id]).values(merged_into_id=into)
        )
        for project_id, data in (
            (own[item.id], {"into": into, "idea_id": item.id}),
            (into, {"from": own[item.id], "idea_id": item.id}),
        ):
            connection.execute(
                sa.insert(events).values(
                    project_id=project_id,
                    at=now,
                    by_label="import",
                    kind="merged",
                    data={**data, "title": item.title or "", "backfill": True},
                )
            )


def downgrade():
    # Data only: the projects are kept (e2f4a6c8d0b1's downgrade drops their tables).
    pass
