"""Property tests for what comes from outside: unsubscribe links (any text in the URL)
and the volunteers' offers of an imported export (any JSON)."""

from __future__ import annotations

import base64
import re
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.schemas.fields import EMAIL_RE
from workshop.services import followers

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

offers = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["follow", "hold", "contribute", "other"]) | json_values,
            "consent_contact": st.booleans() | json_values,
            "contact": st.none()
            | json_values
            | st.fixed_dictionaries(
                {
                    "name": st.none() | st.text(max_size=20),
                    "email": st.none() | st.emails() | st.text(max_size=40) | st.integers(),
                    "phone": st.none() | st.text(max_size=10),
                }
            ),
        }
    ),
    max_size=6,
)


@given(offers | json_values)
def test_follow_offers_keep_only_consented_valid_addresses(volunteers: Any) -> None:
    found = followers._follow_offers(volunteers)
    wanted = [
        offer
        for offer in (volunteers if isinstance(volunteers, list) else [])
        if isinstance(offer, dict)
        and offer.get("kind") == "follow"
        and offer.get("consent_contact") is True
    ]
    assert len(found) <= len(wanted)
    for address, name in found:
        assert address == address.strip().lower()
        assert EMAIL_RE.match(address)
        assert len(address) <= 254
        assert name is None or isinstance(name, str)


@given(st.binary(min_size=32, max_size=32))
def test_every_issued_secret_is_token_shaped(secret: bytes) -> None:
    token = base64.urlsafe_b64encode(secret).rstrip(b"=").decode()
    assert followers.is_token_shaped(token)


@given(st.text(max_size=200) | st.integers() | st.none())
def test_token_shape_is_43_url_safe_characters(value: Any) -> None:
    shaped = followers.is_token_shaped(value)
    assert shaped == (
        isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_-]{43}", value) is not None
    )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=60)
@given(st.text(max_size=120))
def test_any_link_text_finds_nobody_without_error(app: Flask, token: str) -> None:
    with app.app_context():
        assert followers.following(token) is None
        assert followers.unsubscribe(token) is None
