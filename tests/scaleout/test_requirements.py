"""Missing programs skip the scale-out tests locally, and fail them in CI."""

from __future__ import annotations

import pytest

from tests.scaleout import conftest


def pretend_missing(monkeypatch: pytest.MonkeyPatch, required: bool) -> None:
    monkeypatch.setattr(
        conftest,
        "missing_tools",
        lambda nginx=True: ["redis-server (apt-get install redis-server)"],
    )
    monkeypatch.setattr(conftest, "REQUIRED", required)


def test_missing_programs_skip_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend_missing(monkeypatch, required=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install redis-server"):
        conftest.require()


def test_missing_programs_fail_when_required(monkeypatch: pytest.MonkeyPatch) -> None:
    pretend_missing(monkeypatch, required=True)
    with pytest.raises(pytest.fail.Exception, match="SEMIS_REQUIRE_SCALEOUT=1"):
        conftest.require()
    assert conftest.has_nginx()  # required: nginx is part of the stack under test


def test_the_stack_names_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from scripts import stack

    monkeypatch.setattr(stack, "_which", lambda name, *dirs: None if name == "nginx" else name)
    assert stack.missing_tools(nginx=False) == []
    assert stack.missing_tools() == ["nginx (apt-get install nginx)"]
    with pytest.raises(stack.StackError, match="missing: nginx"):
        stack.start_stack()
