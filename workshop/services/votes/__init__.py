"""Dot voting: casting dots (:mod:`.ballots`), the vote step's settings, reveal and
frozen results (:mod:`.steps`), and reading and moving tallies (:mod:`.counting`).
A vote step may grade by majority judgment instead (:mod:`.grades`).

The package re-exports what the other services and the adapters call, so a caller
writes ``votes.cast_vote(...)`` whichever module holds it.
"""

from __future__ import annotations

from . import grades
from .ballots import How, VoteChange, cast_vote, change_votes, set_vote, submit, withdraw_vote
from .counting import (
    fold_votes,
    give_back_challenge,
    my_votes,
    ranking,
    record_change,
    return_votes,
    tallies,
    tallies_public,
    target_column,
    totals,
    vote_state,
)
from .steps import configure_vote, freeze_on_exit, freeze_results, reopen_vote, reveal_votes

__all__ = [
    "How",
    "VoteChange",
    "cast_vote",
    "change_votes",
    "configure_vote",
    "fold_votes",
    "grades",
    "freeze_on_exit",
    "freeze_results",
    "give_back_challenge",
    "my_votes",
    "ranking",
    "record_change",
    "reopen_vote",
    "return_votes",
    "reveal_votes",
    "set_vote",
    "submit",
    "tallies",
    "tallies_public",
    "target_column",
    "totals",
    "vote_state",
    "withdraw_vote",
]
