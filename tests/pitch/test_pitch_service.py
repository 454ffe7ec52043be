"""services/pitch.py: the spotlight and its timers, feedback cards, moderation, and
what each role's facts carry."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import client_id, make_facilitator, make_participant, make_workshop
from tests.pitch.cohort import go_pitch, holder, make_cohort
from workshop.errors import Forbidden, NotFound, ValidationError, WrongPhase
from workshop.extensions import db
from workshop.models import CycleProject, Enrolment, Event, FeedbackCard, Workshop
from workshop.realtime import Facts
from workshop.roles import Role
from workshop.schemas.pitch import NewFeedback, PitchSettings, SpotlightTarget
from workshop.services import cycles, event_log, pitch, privacy, snapshot


def events(workshop_id: int, after: int = 0) -> list[Event]:
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.workshop_id == workshop_id, Event.seq > after)
            .order_by(Event.seq)
        )
    )


def card(
    project_id: int, kind: str = "likes", text: str = "Bravo", cid: str | None = None
) -> NewFeedback:
    return NewFeedback(client_id=cid or client_id(), project_id=project_id, kind=kind, text=text)


def test_the_spotlight_follows_the_cycles_order_and_stops_at_either_end(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        first, second, third = cohort.projects
        owner = workshop.owner
        seen = []
        for _ in range(3):
            pitch.spotlight_project(workshop.id, owner, SpotlightTarget(direction="next"))
            seen.append(workshop.spotlight_project_id)
        assert seen == [first, second, third]
        with pytest.raises(WrongPhase):
            pitch.spotlight_project(workshop.id, owner, SpotlightTarget(direction="next"))
        pitch.spotlight_project(workshop.id, owner, SpotlightTarget(direction="previous"))
        assert workshop.spotlight_project_id == second
        pitch.spotlight_project(workshop.id, owner, SpotlightTarget(project_id=first))
        assert workshop.spotlight_project_id == first
        with pytest.raises(WrongPhase):
            pitch.spotlight_project(workshop.id, owner, SpotlightTarget(direction="previous"))


def test_a_new_project_starts_its_turn_with_the_timer_stopped_at_the_pitch(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        owner = workshop.owner
        pitch.configure_pitch(workshop.id, owner, PitchSettings(120, 240))
        seq = workshop.seq
        pitch.spotlight_project(workshop.id, owner, SpotlightTarget(project_id=cohort.projects[1]))
        assert [e.name for e in events(workshop.id, seq)] == [
            Facts.PITCH_CHANGED,
            Facts.TIMER_CHANGED,
        ]
        assert workshop.timer_ends_at is None and workshop.timer_duration_ms == 120_000
        pitch.start_pitch_timer(workshop.id, owner, "questions")
        assert workshop.timer_ends_at is not None and workshop.timer_duration_ms == 240_000
        view = pitch.pitch_view(workshop, Role.PARTICIPANT)
        assert view["part"] == "questions" and view["project_id"] == cohort.projects[1]
        assert view["project"] is not None and view["project"]["position"] == 2
        # Karim chose not to show his name.
        assert view["project"]["holder"] is None
        pitch.spotlight_project(workshop.id, owner, SpotlightTarget(direction="previous"))
        view = pitch.pitch_view(workshop, Role.SCREEN)
        assert view["part"] is None and view["project"] is not None
        assert view["project"]["holder"] == "Hélène"
        pitch.end_spotlight(workshop.id, owner)
        assert pitch.pitch_view(workshop, Role.SCREEN)["project"] is None
        assert workshop.timer_duration_ms == 1_800_000 and workshop.timer_ends_at is None


def test_the_timers_need_a_project_in_the_spotlight(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        seq = workshop.seq
        with pytest.raises(WrongPhase):
            pitch.start_pitch_timer(workshop.id, workshop.owner, "pitch")
        assert events(workshop.id, seq) == []


def test_the_spotlight_refuses_another_cycles_project_and_other_steps(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        owner = workshop.owner
        with pytest.raises(WrongPhase):  # still in the welcome step
            pitch.spotlight_project(workshop.id, owner, SpotlightTarget(direction="next"))
        go_pitch(workshop, cohort)
        with pytest.raises(NotFound):
            pitch.spotlight_project(
                workshop.id, owner, SpotlightTarget(project_id=cohort.foreign_project)
            )
        with pytest.raises(Forbidden):
            pitch.spotlight_project(
                workshop.id, make_facilitator(), SpotlightTarget(direction="next")
            )
        assert workshop.spotlight_project_id is None


def test_a_workshop_outside_any_cycle_has_nothing_to_pitch(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        workshop.cycle_id = None
        db.session.commit()
        go_pitch(workshop, cohort)
        with pytest.raises(WrongPhase):
            pitch.spotlight_project(workshop.id, workshop.owner, SpotlightTarget(direction="next"))


def test_configure_needs_a_pitch_step_in_the_agenda(app: Flask) -> None:
    with app.app_context():
        workshop, _cohort = make_cohort(pitch_step=False)
        with pytest.raises(WrongPhase):
            pitch.configure_pitch(workshop.id, workshop.owner, PitchSettings(60, 60))
        plain = make_workshop()
        assert not pitch.has_pitch(plain)


def test_a_card_is_stored_once_per_client_id(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        giver = make_participant(workshop, display_name="Zoé")
        new = card(cohort.projects[0])
        made, created = pitch.give_feedback(workshop.id, giver.id, new)
        again, created_again = pitch.give_feedback(workshop.id, giver.id, new)
        assert created and not created_again and again.id == made.id
        assert db.session.scalar(select(db.func.count()).select_from(FeedbackCard)) == 1
        assert [e.name for e in events(workshop.id)].count(Facts.FEEDBACK_GIVEN) == 1


def test_feedback_only_in_a_pitch_step_on_the_cycles_projects(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        giver = make_participant(workshop)
        with pytest.raises(WrongPhase):
            pitch.give_feedback(workshop.id, giver.id, card(cohort.projects[0]))
        go_pitch(workshop, cohort)
        with pytest.raises(NotFound):
            pitch.give_feedback(workshop.id, giver.id, card(cohort.foreign_project))
        with pytest.raises(ValidationError):
            pitch.give_feedback(workshop.id, giver.id, card(cohort.projects[0], kind="unknown"))
        assert db.session.scalar(select(db.func.count()).select_from(FeedbackCard)) == 0


def test_a_holder_gives_no_feedback_to_their_own_project(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        helene = holder(workshop, cohort, "Hélène")
        with pytest.raises(Forbidden):
            pitch.give_feedback(workshop.id, helene.id, card(cohort.projects[0]))
        _made, created = pitch.give_feedback(workshop.id, helene.id, card(cohort.projects[1]))
        assert created
        me = snapshot.build_state(workshop, Role.PARTICIPANT, helene)
        assert me["pitch"]["mine"] == [cohort.projects[0]]


def test_the_cycles_renamed_kinds_are_the_ones_accepted(app: Flask) -> None:
    with app.app_context():
        kinds = [{"key": "bravo", "label": "Bravo !"}, {"key": "idees", "label": ""}]
        workshop, cohort = make_cohort(kinds=kinds)
        go_pitch(workshop, cohort)
        giver = make_participant(workshop)
        with pytest.raises(ValidationError):
            pitch.give_feedback(workshop.id, giver.id, card(cohort.projects[0], kind="likes"))
        pitch.give_feedback(workshop.id, giver.id, card(cohort.projects[0], kind="bravo"))
        assert pitch.pitch_view(workshop, Role.SCREEN)["kinds"] == kinds


def test_anonymous_cards_reach_phones_and_screens_as_counts_only(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort(signed=False)
        go_pitch(workshop, cohort)
        giver = make_participant(workshop, display_name="Zoé")
        made, _ = pitch.give_feedback(
            workshop.id, giver.id, card(cohort.projects[0], text="Génial")
        )
        pitch.select_feedback(workshop.id, workshop.owner, made.id, True)
        for event in events(workshop.id):
            if event.name in (Facts.FEEDBACK_GIVEN, Facts.FEEDBACK_CHANGED):
                assert event.public_data is not None
                public = repr(event.public_data)
                assert "Zoé" not in public and "participant_id" not in public
                assert "Zoé" in repr(event.data)  # facilitators see who, to moderate
        public_view = pitch.pitch_view(workshop, Role.PARTICIPANT)
        [summary] = public_view["feedback"]
        assert summary["counts"] == {"likes": 1}
        assert summary["selected"] == [
            {
                "id": made.id,
                "project_id": cohort.projects[0],
                "kind": "likes",
                "text": "Génial",
                "author": None,
            }
        ]
        assert "cards" not in public_view and "projects" not in public_view


def test_signed_cards_carry_the_givers_name_never_their_id(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort(signed=True)
        go_pitch(workshop, cohort)
        giver = make_participant(workshop, display_name="Zoé")
        made, _ = pitch.give_feedback(workshop.id, giver.id, card(cohort.projects[0]))
        assert made.signed
        pitch.select_feedback(workshop.id, workshop.owner, made.id, True)
        [summary] = pitch.pitch_view(workshop, Role.SCREEN)["feedback"]
        assert summary["selected"][0]["author"] == "Zoé"
        last = events(workshop.id)[-1]
        assert last.public_data is not None and "participant_id" not in repr(last.public_data)


def test_text_of_cards_nobody_selected_never_leaves_for_phones(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        giver = make_participant(workshop)
        pitch.give_feedback(
            workshop.id, giver.id, card(cohort.projects[0], text="Secret de fabrication")
        )
        for event in events(workshop.id):
            assert "Secret de fabrication" not in repr(event.public_data or {})
        assert "Secret de fabrication" not in repr(pitch.pitch_view(workshop, Role.SCREEN))


def test_hiding_a_card_takes_it_out_of_counts_and_screen_and_redacts_its_text(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        giver = make_participant(workshop)
        made, _ = pitch.give_feedback(
            workshop.id, giver.id, card(cohort.projects[0], text="Déplacé")
        )
        pitch.select_feedback(workshop.id, workshop.owner, made.id, True)
        before = workshop.seq
        pitch.moderate_feedback(workshop.id, workshop.owner, made.id, True)
        assert made.status == "hidden" and not made.selected
        assert pitch.feedback_summary(workshop.id, cohort.projects[0]) == {
            "project_id": cohort.projects[0],
            "counts": {},
            "selected": [],
        }
        # Whoever is behind the hiding gets a snapshot, not facts that showed the text.
        assert event_log.replay(workshop.id, before - 1, Role.PARTICIPANT) is None
        assert all("Déplacé" not in repr(e.public_data or {}) for e in events(workshop.id))
        with pytest.raises(WrongPhase):
            pitch.select_feedback(workshop.id, workshop.owner, made.id, True)
        pitch.moderate_feedback(workshop.id, workshop.owner, made.id, False)
        assert pitch.feedback_summary(workshop.id, cohort.projects[0])["counts"] == {"likes": 1}


def test_moderation_is_for_this_workshops_facilitators_and_cards(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        made, _ = pitch.give_feedback(
            workshop.id, make_participant(workshop).id, card(cohort.projects[0])
        )
        other, other_cohort = make_cohort()
        with pytest.raises(Forbidden):
            pitch.moderate_feedback(workshop.id, other.owner, made.id, True)
        with pytest.raises(NotFound):
            pitch.select_feedback(other.id, other.owner, made.id, True)
        assert not made.selected and made.status == "visible"
        assert other_cohort.cycle_id != cohort.cycle_id


def test_facilitators_see_every_card_with_its_giver(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        giver = make_participant(workshop, display_name="Zoé")
        made, _ = pitch.give_feedback(workshop.id, giver.id, card(cohort.projects[2]))
        pitch.moderate_feedback(workshop.id, workshop.owner, made.id, True)
        view = pitch.pitch_view(workshop, Role.FACILITATOR)
        [seen] = view["cards"]
        assert seen["author"] == "Zoé" and seen["participant_id"] == giver.id and seen["hidden"]
        assert [p["title"] for p in view["projects"]] == [
            "Le café des Bauges",
            "Une ferme pédagogique",
            "Une recyclerie",
        ]
        assert view["projects"][1]["holder"] == "Karim"  # facilitators know who holds it


def pitch_facts(workshop_id: int, after: int) -> list[Event]:
    return [e for e in events(workshop_id, after) if e.name == Facts.PITCH_CHANGED]


def test_a_holder_saving_their_pitch_on_screen_updates_the_screen_at_once(
    app: Flask, client: Any
) -> None:
    """Through « mon projet »'s form: the session whose spotlight shows the project
    records ``pitch_changed`` with the new text (phones and screens redraw); a project
    not in the spotlight records nothing."""
    token = "jeton-de-test-helene-0123456789abcdef"
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        first, second, _third = cohort.projects
        pitch.spotlight_project(workshop.id, workshop.owner, SpotlightTarget(project_id=first))
        helene = db.session.get(Enrolment, cohort.enrolments["Hélène"])
        assert helene is not None
        helene.token_hash = cycles.link_hash(token)
        db.session.commit()
        version = db.session.get(CycleProject, first).version  # type: ignore[union-attr]
        workshop_id, before = workshop.id, workshop.seq
    form = {"title": "Le café des Bauges", "pitch": "Un café où l'on répare.", "version": version}
    assert client.post(f"/c/{token}/projet/modifier", data=form).status_code == 302
    with app.app_context():
        [fact] = pitch_facts(workshop_id, before)
        assert fact.public_data["pitch"]["project"]["pitch"] == "Un café où l'on répare."
        assert fact.data["pitch"]["project"]["id"] == first
        # Another project's edit, while not on screen: nothing to announce.
        seq = db.session.get(Workshop, workshop_id).seq  # type: ignore[union-attr]
        pitch.project_edited(second)
        assert pitch_facts(workshop_id, seq) == []


def test_erasing_the_holder_on_screen_clears_the_spotlight_for_everyone(app: Flask) -> None:
    with app.app_context():
        workshop, cohort = make_cohort()
        go_pitch(workshop, cohort)
        first = cohort.projects[0]
        pitch.spotlight_project(workshop.id, workshop.owner, SpotlightTarget(project_id=first))
        before = workshop.seq
        privacy.erase_enrolment(cohort.cycle_id, cohort.enrolments["Hélène"])
        [fact] = pitch_facts(workshop.id, before)
        assert fact.public_data["pitch"]["project"] is None
        assert fact.public_data["pitch"]["project_id"] is None
        assert "Le café des Bauges" not in str(fact.data)
