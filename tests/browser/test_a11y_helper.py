"""``check_a11y`` itself: it fails on a page axe-core finds wrong, says why, and keeps
the screenshot; it passes a plain correct page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS, check_a11y

pytestmark = pytest.mark.browser

BAD = """<!doctype html><html><head><title>t</title></head><body><main>
<p style="color:#aaa;background:#fff">Gris pâle</p><button></button>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
</main></body></html>"""
GOOD = """<!doctype html><html lang="fr"><head><title>t</title></head><body><main>
<h1>Bonjour</h1><p style="color:#333;background:#fff">Lisible</p>
<button type="button">Valider</button></main></body></html>"""


def test_check_a11y_fails_and_explains(new_page: Any) -> None:
    page = new_page()
    page.set_content(BAD)
    with pytest.raises(pytest.fail.Exception) as failure:
        check_a11y(page, "bad page")
    message = str(failure.value)
    for rule in ("color-contrast", "button-name", "image-alt", "html-has-lang"):
        assert rule in message, message
    assert "<button></button>" in message
    assert (SCREENSHOTS / "test_check_a11y_fails_and_explains" / "bad-page--1280x900.png").exists()
    page.set_content(GOOD)  # the teardown's final check would fail on BAD


def test_check_a11y_passes_a_correct_page_at_several_sizes(new_page: Any) -> None:
    page = new_page(phone=True)
    page.set_content(GOOD)
    check_a11y(page, "good", sizes=["projector"])
    folder = SCREENSHOTS / "test_check_a11y_passes_a_correct_page_at_several_sizes"
    assert sorted(path.name for path in folder.iterdir()) == [
        "good--360x640.png",
        "good--projector.png",
    ]
    assert page.viewport_size == {"width": 360, "height": 640}
