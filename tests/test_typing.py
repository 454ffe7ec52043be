"""The types the code relies on: models mypy can see, and wire views that match the data."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

from workshop.extensions import Base, db
from workshop.models import Idea, Participant, Qualification, Volunteer, Workshop
from workshop.roles import Role
from workshop.schemas import QUALIFICATION_FIELDS, serialize_idea, serialize_qualification
from workshop.schemas.serialize import serialize_volunteer
from workshop.wire import IdeaView, QualificationView, VolunteerView

ROOT = Path(__file__).resolve().parent.parent
NOW = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


def test_models_use_the_typed_base_and_its_metadata() -> None:
    assert issubclass(Workshop, Base)
    assert db.metadata is Base.metadata
    assert set(Base.metadata.tables) >= {"workshops", "ideas", "events", "votes"}


def test_mypy_reports_a_misspelt_model_attribute(tmp_path: Path) -> None:
    """Models are no ``Any`` for mypy. Run with the project's own mypy options, so the
    cache ``make lint`` has just filled serves (about a second; ten when cold)."""
    snippet = tmp_path / "semis_typing_snippet.py"
    snippet.write_text(
        textwrap.dedent(
            """\
            from workshop.models import Facilitator, Workshop

            def title(workshop: Workshop) -> object:
                return workshop.titel

            def column() -> object:
                return Workshop.titel

            def signed_in(facilitator: Facilitator) -> bool:
                return facilitator.is_authenticated and bool(facilitator.title)
            """
        )
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and a file we wrote
        [sys.executable, "-m", "mypy", "--no-error-summary", "--no-color-output", str(snippet)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    # By name: mypy may replay a cached result under the path the same text had before.
    ours = [line for line in result.stdout.splitlines() if f"{snippet.name}:" in line]
    assert [line.split(": ", 1)[0].rsplit(":", 1)[1] for line in ours] == ["4", "7", "10"], ours
    assert all("[attr-defined]" in line for line in ours), ours


def test_qualification_view_lists_the_sheet_fields_in_order() -> None:
    sheet = Qualification(
        id=1, challenge_id=2, version=3, updated_at=NOW, **dict.fromkeys(QUALIFICATION_FIELDS, "")
    )
    view = serialize_qualification(sheet)
    assert list(QualificationView.__annotations__)[5:] == list(QUALIFICATION_FIELDS)
    assert list(view) == list(QualificationView.__annotations__)


def test_views_carry_exactly_their_wire_keys() -> None:
    author = Participant(id=7, display_name="Lou", profile="citizen")
    idea = Idea(
        id=1,
        participant_id=7,
        author=author,
        client_id="c1",
        title="Un composteur",
        description="",
        need="",
        status="visible",
        version=1,
        challenge_id=None,
        position=0,
        merged_into_id=None,
        created_at=NOW,
        details={"commune": "Tulle"},  # an imported idea's other columns
    )
    full = serialize_idea(idea, Role.FACILITATOR, anonymous=False)
    public = serialize_idea(idea, Role.PARTICIPANT, anonymous=True)
    assert list(full) == list(IdeaView.__annotations__)
    assert set(public) == IdeaView.__required_keys__
    offer = Volunteer(
        id=3, idea_id=1, participant_id=7, participant=author, kind="hold", created_at=NOW
    )
    offer.consent_contact = False
    assert list(serialize_volunteer(offer)) == list(VolunteerView.__annotations__)
    assert set(serialize_volunteer(offer, with_name=False)) == VolunteerView.__required_keys__
