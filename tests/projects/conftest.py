"""Project fixtures: the portfolio's (a Fabrique with a member, export documents)."""

from __future__ import annotations

from tests.portfolio.conftest import new_fabrique

__all__ = ["new_fabrique"]
