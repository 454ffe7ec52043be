"""Who may open a page: the checks a facilitator's route starts with.

Routes are ``login_required`` first (a browser without a session goes to the sign-in
page); these then name what the signed-in facilitator may act on, or raise the error the
error handler turns into a page or JSON. The rules themselves are the services' (who
co-runs a workshop, who is a member of a Fabrique).
"""

from __future__ import annotations

from ..auth import current_facilitator
from ..errors import NotAuthenticated
from ..models import Fabrique, Facilitator, Workshop
from ..services import fabriques, guards, lookup


def me() -> Facilitator:
    """The signed-in facilitator; raises :class:`NotAuthenticated`."""
    facilitator = current_facilitator()
    if facilitator is None:
        raise NotAuthenticated()
    return facilitator


def own_workshop(workshop_id: int) -> Workshop:
    """A workshop the signed-in facilitator co-runs; raises :class:`NotFound` or
    :class:`Forbidden`."""
    workshop = lookup.get_workshop(workshop_id)
    guards.require_facilitator(workshop, me())
    return workshop


def member_fabrique(slug: str) -> Fabrique:
    """A Fabrique the signed-in facilitator is a member of; raises :class:`NotFound` or
    :class:`Forbidden`."""
    fabrique = fabriques.get_by_slug(slug)
    fabriques.require_member(fabrique, me())
    return fabrique
