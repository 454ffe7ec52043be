"""services.workshops (creation from presets, joining, settings, the agenda), lookup
(join codes), guards (who may join) and agenda (opening and closing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from tests import query_plans
from tests.factories import (
    make_facilitator,
    make_idea,
    make_participant,
    make_workshop,
    recorded,
)
from workshop.errors import (
    Forbidden,
    JoiningClosed,
    UnknownCode,
    ValidationError,
    WorkshopClosed,
    WorkshopNotOpen,
)
from workshop.extensions import db
from workshop.models import Idea, IdeaStatus, Workshop, WorkshopStatus
from workshop.phases import KIND_LABELS, PRESETS, Format, PhaseKind
from workshop.schemas import (
    CODE_ALPHABET,
    CODE_LENGTH,
    AgendaItem,
    NewWorkshop,
    PhaseTarget,
    SettingsChange,
)
from workshop.services import agenda, guards, ideas, lookup, workshops


@pytest.mark.parametrize("fmt", list(Format))
def test_create_fills_the_agenda_from_the_preset(app: Flask, fmt: Format) -> None:
    with app.app_context():
        owner = make_facilitator()
        workshop = workshops.create_workshop(NewWorkshop(title="Bien manger", format=fmt), owner)
        workshop_id = workshop.id
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        assert workshop.status == WorkshopStatus.DRAFT
        assert workshop.current_phase_id is None
        assert [(p.kind, p.duration_s) for p in workshop.phases] == [
            (kind, minutes * 60) for kind, minutes in PRESETS[fmt]
        ]
        assert [p.position for p in workshop.phases] == list(range(len(PRESETS[fmt])))
        assert [p.title for p in workshop.phases] == [str(KIND_LABELS[k]) for k, _ in PRESETS[fmt]]
        assert [f.email for f in workshop.facilitators] == [workshop.owner.email]
        assert workshop.seq == 0 and recorded(workshop_id) == []


def test_join_codes_use_the_unambiguous_alphabet_and_are_unique(app: Flask) -> None:
    with app.app_context():
        owner = make_facilitator()
        codes = [
            workshops.create_workshop(NewWorkshop(title=f"W{i}", format="custom"), owner).code
            for i in range(40)
        ]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("01OIL")


def test_a_taken_code_is_drawn_again(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        owner = make_facilitator()
        taken = workshops.create_workshop(NewWorkshop(title="A", format="custom"), owner).code
        draws = iter([taken, taken, "FRESH2"])
        monkeypatch.setattr(workshops, "_new_code", lambda: next(draws))
        second = workshops.create_workshop(NewWorkshop(title="B", format="custom"), owner)
        assert second.code == "FRESH2"


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{a} {b}", "{a}-{b}", " {lower} "])
def test_find_by_code_accepts_what_people_type(app: Flask, typed: str) -> None:
    with app.app_context():
        workshop = make_workshop()
        code = workshop.code
        text = typed.format(code=code, lower=code.lower(), a=code[:3], b=code[3:])
        assert lookup.find_by_code(text).id == workshop.id


@pytest.mark.parametrize("typed", ["", "ABC", "ABCDEFG", "ABCDE0", "<script>", "../../x"])
def test_find_by_code_refuses_unknown_codes(app: Flask, typed: str) -> None:
    with app.app_context():
        make_workshop()
        with pytest.raises(UnknownCode):
            lookup.find_by_code(typed)


def test_open_enters_the_first_phase_and_records_events(app: Flask, emitted: list) -> None:
    with app.app_context():
        owner = make_facilitator()
        workshop = workshops.create_workshop(NewWorkshop(title="W", format="marathon"), owner)
        agenda.open_workshop(workshop.id, owner)
        agenda.open_workshop(workshop.id, owner)  # already open: nothing happens
        assert workshop.status == WorkshopStatus.OPEN
        assert workshop.joining_open
        assert workshop.current_phase_id == workshop.phases[0].id
        assert recorded(workshop.id) == [(1, "workshop_updated"), (2, "phase_changed")]
    assert [name for name, _payload, _room in emitted] == ["workshop_updated"] * 3 + [
        "phase_changed"
    ] * 3


def test_close_stops_the_timer_and_reopening_keeps_the_phase(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        owner, phase_id = workshop.owner, workshop.current_phase_id
        agenda.start_timer(workshop.id, owner, 60)
        before = len(recorded(workshop.id))
        agenda.close_workshop(workshop.id, owner)
        agenda.close_workshop(workshop.id, owner)  # idempotent
        assert workshop.status == WorkshopStatus.CLOSED
        assert workshop.timer_ends_at is None and workshop.timer_remaining_ms is None
        # Everybody's countdown stops: the timer fact follows the status change.
        assert [n for _s, n in recorded(workshop.id)[before:]] == [
            "workshop_updated",
            "timer_changed",
        ]
        agenda.open_workshop(workshop.id, owner)
        assert workshop.status == WorkshopStatus.OPEN
        assert workshop.current_phase_id == phase_id


def test_set_joining_toggles_and_records_only_changes(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        before = len(recorded(workshop.id))
        workshops.set_joining(workshop.id, workshop.owner, False)
        workshops.set_joining(workshop.id, workshop.owner, False)
        assert not workshop.joining_open
        workshops.set_joining(workshop.id, workshop.owner, True)
        assert workshop.joining_open
        assert [n for _s, n in recorded(workshop.id)[before:]] == ["workshop_updated"] * 2


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ({"status": "draft"}, WorkshopNotOpen),
        ({"status": "closed"}, WorkshopClosed),
        ({"joining": False}, JoiningClosed),
    ],
)
def test_check_joinable(app: Flask, setup: dict[str, Any], error: type[Exception]) -> None:
    with app.app_context():
        joining = setup.pop("joining", True)
        workshop = make_workshop(**setup)
        workshops.set_joining(workshop.id, workshop.owner, joining)
        with pytest.raises(error):
            guards.check_joinable(workshop)


# Every facilitator command, as (service, extra arguments built from the workshop).
FACILITATOR_SERVICES: list[tuple[Callable[..., Any], Callable[[Workshop], tuple]]] = [
    (agenda.open_workshop, lambda w: ()),
    (agenda.close_workshop, lambda w: ()),
    (workshops.set_joining, lambda w: (False,)),
    (workshops.update_settings, lambda w: (SettingsChange(anonymous=True),)),
    (
        workshops.update_agenda,
        lambda w: ([AgendaItem(id=w.current_phase_id, kind="ideas", title="", duration_s=0)],),
    ),
    (agenda.advance_phase, lambda w: (PhaseTarget(direction="next"),)),
    (agenda.start_timer, lambda w: (60,)),
    (agenda.pause_timer, lambda w: ()),
    (agenda.extend_timer, lambda w: (60,)),
    (agenda.reset_timer, lambda w: ()),
    (ideas.hide_idea, lambda w: (make_idea(w).id,)),
    (ideas.restore_idea, lambda w: (make_idea(w).id,)),
    (ideas.approve_idea, lambda w: (make_idea(w).id,)),
]


@pytest.mark.parametrize(
    ("service", "args"), FACILITATOR_SERVICES, ids=[s.__name__ for s, _a in FACILITATOR_SERVICES]
)
def test_facilitator_services_refuse_other_facilitators(
    app: Flask, service: Callable[..., Any], args: Callable[[Workshop], tuple]
) -> None:
    with app.app_context():
        workshop = make_workshop()
        extra = args(workshop)
        stranger = make_facilitator()
        seq = workshop.seq
        with pytest.raises(Forbidden):
            service(workshop.id, stranger, *extra)
        db.session.rollback()
        assert db.session.get(Workshop, workshop.id).seq == seq


def test_co_facilitators_may_run_the_workshop(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop()
        partner = make_facilitator()
        workshop.facilitators.append(partner)
        db.session.commit()
        workshops.set_joining(workshop.id, partner, False)
        assert not workshop.joining_open


def test_anonymity_hides_and_reveals_authors(app: Flask, emitted: list) -> None:
    with app.app_context():
        workshop = make_workshop()
        author = make_participant(workshop, display_name="Maëlle")
        idea_id = make_idea(workshop, author).id
        emitted.clear()
        workshops.update_settings(workshop.id, workshop.owner, SettingsChange(anonymous=True))
        assert workshop.anonymous
        workshops.update_settings(workshop.id, workshop.owner, SettingsChange(anonymous=False))
        workshops.update_settings(workshop.id, workshop.owner, SettingsChange(anonymous=False))
        public = [p for n, p, room in emitted if room == f"workshop:{workshop.id}"]
        facilitators = [p for n, p, room in emitted if room.endswith(":facilitators")]
    assert [p["settings"] for p in facilitators] == [
        {
            "anonymous": True,
            "moderation": False,
            "participants_group": False,
            "participants_qualify": False,
        },
        {
            "anonymous": False,
            "moderation": False,
            "participants_group": False,
            "participants_qualify": False,
        },
    ]
    assert "authors" not in public[0]["settings"]
    assert public[1]["settings"]["authors"] == {str(idea_id): "Maëlle"}


def test_turning_moderation_off_releases_pending_ideas(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(moderation=True)
        pending = [make_idea(workshop).id for _ in range(2)]
        before = len(recorded(workshop.id))
        workshops.update_settings(workshop.id, workshop.owner, SettingsChange(moderation=False))
        assert [n for _s, n in recorded(workshop.id)[before:]] == [
            "settings_changed",
            "idea_approved",
            "idea_approved",
        ]
    with app.app_context():
        assert {db.session.get(Idea, i).status for i in pending} == {IdeaStatus.VISIBLE}


def test_agenda_rename_reorder_add_and_remove(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(format="custom")  # welcome, ideas (current), results
        welcome, current, results = workshop.phases
        ids = (welcome.id, current.id, results.id)
        workshops.update_agenda(
            workshop.id,
            workshop.owner,
            [
                AgendaItem(id=current.id, kind="ideas", title="Nos idées", duration_s=600),
                AgendaItem(kind="vote", title="", duration_s=300),
                AgendaItem(id=welcome.id, kind="welcome", title="Accueil", duration_s=0),
            ],
        )
        workshop_id = workshop.id
        assert recorded(workshop_id)[-1][1] == "agenda_changed"
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        assert [(p.kind, p.title, p.duration_s, p.position) for p in workshop.phases] == [
            ("ideas", "Nos idées", 600, 0),
            ("vote", str(KIND_LABELS[PhaseKind.VOTE]), 300, 1),
            ("welcome", "Accueil", 0, 2),
        ]
        assert workshop.phases[0].id == ids[1] and workshop.phases[2].id == ids[0]
        assert ids[2] not in {p.id for p in workshop.phases}  # removed
        assert workshop.current_phase_id == ids[1]


@pytest.mark.parametrize("case", ["remove_current", "unknown_id", "other_workshops_phase"])
def test_agenda_refusals_change_nothing(app: Flask, case: str) -> None:
    with app.app_context():
        workshop = make_workshop(format="custom")
        other = make_workshop(format="custom")
        keep = [
            AgendaItem(id=p.id, kind=p.kind, title=p.title, duration_s=p.duration_s)
            for p in workshop.phases
        ]
        items = {
            "remove_current": [item for item in keep if item.id != workshop.current_phase_id],
            "unknown_id": [*keep, AgendaItem(id=999_999, kind="vote", title="", duration_s=0)],
            "other_workshops_phase": [
                *keep,
                AgendaItem(id=other.phases[0].id, kind="vote", title="", duration_s=0),
            ],
        }[case]
        before = [(p.id, p.position, p.title) for p in workshop.phases]
        seq = workshop.seq
        workshop_id = workshop.id
        with pytest.raises(ValidationError):
            workshops.update_agenda(workshop_id, workshop.owner, items)
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        assert [(p.id, p.position, p.title) for p in workshop.phases] == before
        assert workshop.seq == seq


def test_duplicate_phase_ids_in_an_agenda_are_refused(app: Flask) -> None:
    with app.app_context():
        workshop = make_workshop(format="custom")
        phase = workshop.phases[1]
        item = AgendaItem(id=phase.id, kind=phase.kind, title=phase.title, duration_s=0)
        with pytest.raises(ValidationError):
            workshops.update_agenda(workshop.id, workshop.owner, [item, item])


def test_a_facilitators_workshops_are_read_through_an_index_on_them(app: Flask) -> None:
    """A facilitator's dashboard lists their workshops through an index on the
    facilitator, not by walking who facilitates every workshop of the instance."""
    with app.app_context():
        mine = make_workshop()
        make_workshop()  # someone else's
        owner = mine.owner
        db.session.expire_all()
        with query_plans.statements(lambda sql: "workshop_facilitators" in sql) as seen:
            listed = workshops.workshops_of(owner)
        plans = [query_plans.plan(sql, params) for sql, params in seen]
    assert [w.id for w in listed] == [mine.id]
    assert plans and all("SCAN workshop_facilitators" not in plan for plan in plans), plans
