"""Real browsers: Playwright driving Debian's Chromium against the real ``run.py``.

Chromium cannot be downloaded here: the tests use the system one (``SEMIS_CHROMIUM``,
default ``/usr/bin/chromium``). Without it they skip with a message, unless
``SEMIS_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import failed
from tests.live_server import LiveServer

CHROMIUM = os.environ.get("SEMIS_CHROMIUM", "/usr/bin/chromium")
# Chromium's own background traffic is refused on this network: keep it quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("SEMIS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:  # pragma: no cover - playwright is a test dependency
        _unavailable(f"playwright is not installed ({error})")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def fresh_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """The real eventlet server on an empty, migrated database: no account yet."""
    server = LiveServer("eventlet", tmp_path / "instance")
    server.instance.mkdir(parents=True)
    server.flask("db", "upgrade")
    server.start()
    yield server
    server.stop()
    if failed(request.node):
        print(f"\n===== run.py log (port {server.port}) =====\n{server.log()}")


@pytest.fixture
def new_page(browser: object, tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Factory of pages, each in its own browser context (its own cookies)."""
    contexts = []
    artifacts = tmp_path / "screenshots"
    artifacts.mkdir()

    def make(*, phone: bool = False, locale: str = "fr-FR") -> object:
        options: dict[str, object] = {"locale": locale}
        if phone:
            options |= {
                "viewport": {"width": 360, "height": 640},
                "is_mobile": True,
                "has_touch": True,
                "device_scale_factor": 2,
            }
        else:
            options |= {"viewport": {"width": 1280, "height": 900}}
        context = browser.new_context(**options)  # type: ignore[attr-defined]
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        # Any dialog other than our own confirm() means injected script ran.
        page.on(
            "dialog",
            lambda dialog: (
                dialog.accept()
                if dialog.type == "confirm"
                else pytest.fail(f"unexpected {dialog.type}: {dialog.message}")
            ),
        )
        return page

    yield make
    for index, context in enumerate(contexts):
        for number, page in enumerate(context.pages):
            try:
                page.screenshot(path=str(artifacts / f"context{index}-page{number}.png"))
            except Exception:  # noqa: BLE001,S110 - a screenshot is a courtesy
                pass
        context.close()
