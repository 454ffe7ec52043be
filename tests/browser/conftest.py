"""Real browsers: Playwright driving Debian's Chromium against the real ``run.py``.

Chromium cannot be downloaded here: the tests use the system one (``SEMIS_CHROMIUM``,
default ``/usr/bin/chromium``). Without it they skip with a message, unless
``SEMIS_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where they fail.

Every page state a test reaches can be looked at with ``check_a11y(page, "state name")``:
axe-core (from ``node_modules``, installed from package-lock.json by ``make vendor``) runs
in the page with the WCAG 2.1 A/AA and RGAA 4 rules and any violation fails the test,
listing each rule, its impact, the element's selector and a snippet of its HTML; and a
screenshot of the state lands in ``artifacts/screenshots/<test>/<state>.png`` (kept by
CI; ``SEMIS_SCREENSHOTS`` moves the folder). When a test ends, the last state of every
page it opened is checked and photographed the same way (``final-*``).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

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

REPO = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 levels A and AA, and the French RGAA 4 (axe-core's own tag for it).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "RGAAv4"]
SCREENSHOTS = Path(os.environ.get("SEMIS_SCREENSHOTS") or REPO / "artifacts" / "screenshots")
# Named viewports ``check_a11y(..., sizes=...)`` also photographs a state at.
SIZES = {"phone": (360, 640), "laptop": (1280, 800), "projector": (1920, 1080)}
# Whether new_page's teardown checks the final state of every page with axe-core. Off
# until the existing pages' violations (colour contrast, landmarks) are fixed.
CHECK_FINAL_STATES = True
# How long an action (a click, a goto) or an expect() waits before failing: a bound for
# a slow machine, not a goal.
ACTION_TIMEOUT_MS = 15_000


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "state"


def _axe_source() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make vendor` (npm ci) first")
    return AXE_SCRIPT.read_text(encoding="utf-8")


# Runs in the page: axe with our tags, violations only, reduced to what a reader needs.
_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: { type: 'tag', values: tags },
    resultTypes: ['violations'],
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String).join(' '),
      html: n.html.slice(0, 160),
      summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 240),
    })),
  }));
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of ``AXE_TAGS`` in the page as it is now."""
    from playwright.sync_api import Error

    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            # evaluate() is not bound by the page's Content-Security-Policy (script-src
            # 'self'), which an injected <script> tag would be.
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                page.evaluate(_axe_source())
            return list(page.evaluate(_RUN_AXE, AXE_TAGS))
        except Error as error:
            # The page navigated while axe was running: look at the page it reached.
            if "context was destroyed" not in str(error) or attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def format_violations(name: str, url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"accessibility: {len(violations)} axe rule(s) violated on «{name}» ({url}):"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            lines.append(f"    at {node['target']}: {node['html']}")
            if node["summary"]:
                lines.append(f"      {node['summary']}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    … and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def _test_folder() -> Path:
    """The running test's screenshot folder. Its name comes from pytest's own
    PYTEST_CURRENT_TEST ("path::test (call)"): this module may be imported twice (as
    pytest's conftest and by a test), so it keeps no state of its own."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "unknown (call)")
    return SCREENSHOTS / _slug(current.rsplit(" ", 1)[0].rsplit("::", 1)[-1])


def screenshot(page: Any, name: str, *, sizes: Iterable[str] = ()) -> list[Path]:
    """Photograph the page's whole state into the kept folder, at its own viewport and at
    each of the named ``sizes`` (``SIZES``); returns the files written."""
    folder = _test_folder()
    folder.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size or {"width": 0, "height": 0}
    own = (viewport["width"], viewport["height"])
    shots = [(f"{viewport['width']}x{viewport['height']}", own)]
    shots += [(size, SIZES[size]) for size in sizes if SIZES[size] != own]
    written = []
    for label, (width, height) in shots:
        path = folder / f"{_slug(name)}--{label}.png"
        number = 2
        while path.exists():
            path = folder / f"{_slug(name)}-{number}--{label}.png"
            number += 1
        if (width, height) != own:
            page.set_viewport_size({"width": width, "height": height})
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            if (width, height) != own:
                page.set_viewport_size({"width": own[0], "height": own[1]})
        written.append(path)
    return written


def sign_in(page: Any, base_url: str, email: str, password: str) -> None:
    """Sign a facilitator in through the real form, then wait for the dashboard."""
    from playwright.sync_api import expect

    page.goto(base_url + "/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    expect(page).to_have_url(re.compile(r"/f/$"))


def check_a11y(page: Any, name: str, *, sizes: Iterable[str] = ()) -> None:
    """Check the page's current state with axe-core (WCAG 2.1 A/AA, RGAA 4) and keep a
    screenshot of it: ``name`` says which state (``"phone-vote"``), ``sizes`` names
    more viewports to photograph it at (``"phone"``, ``"projector"``...). Call it once
    the state is on screen (after an ``expect``), not while it is still changing."""
    screenshot(page, name, sizes=sizes)
    violations = axe_violations(page)
    if violations:
        pytest.fail(format_violations(name, page.url, violations), pytrace=False)


def _unavailable(reason: str) -> None:
    if os.environ.get("SEMIS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(autouse=True)
def _screenshot_folder() -> None:
    """Empty the test's screenshot folder of an earlier run's pictures."""
    shutil.rmtree(_test_folder(), ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError as error:  # pragma: no cover - playwright is a test dependency
        _unavailable(f"playwright is not installed ({error})")
    # expect() waits as long as an action does (new_page's contexts), not Playwright's
    # 5 s: a page under a busy CI machine's two test workers can take longer to update.
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
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
def new_page(browser: object, request: pytest.FixtureRequest) -> Iterator[Callable[..., object]]:
    """Factory of pages, each in its own browser context (its own cookies).

    When the test ends, each page still open is photographed and, if the test passed,
    checked with axe-core like ``check_a11y`` (its final state)."""
    contexts = []

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
        context.set_default_timeout(ACTION_TIMEOUT_MS)
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
    problems = []
    try:
        for index, context in enumerate(contexts):
            for number, page in enumerate(context.pages):
                name = f"final-context{index}-page{number}"
                try:
                    screenshot(page, name)
                except Exception:  # noqa: BLE001,S110 - a screenshot is a courtesy
                    pass
                if (
                    not CHECK_FINAL_STATES
                    or failed(request.node)
                    or not page.url.startswith("http")
                ):
                    continue
                violations = axe_violations(page)
                if violations:
                    problems.append(format_violations(name, page.url, violations))
    finally:
        for context in contexts:
            context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
