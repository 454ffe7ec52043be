"""The browser's strings as a script of their own (``/i18n/<language>.js``): every page
loads it before its modules, in the page's language, versioned, cached and gzipped; no
page carries the 17 KB of strings inline any more."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable

from flask.testing import FlaskClient

from tests.factories import WorkshopRef

PREFIX = "globalThis.SEMIS_STRINGS = "


def _strings(body: bytes) -> dict[str, object]:
    text = body.decode("utf-8")
    assert text.startswith(PREFIX) and text.endswith(";\n")
    loaded = json.loads(text[len(PREFIX) : -2])
    assert isinstance(loaded, dict)
    return loaded


def _script_url(page: str) -> str:
    found = re.findall(r'<script defer src="(/i18n/[a-z]+\.js\?v=[0-9a-f]+)"></script>', page)
    assert len(found) == 1, page[:500]
    return found[0]


def test_a_page_loads_its_languages_strings_before_its_modules(
    client: FlaskClient, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    client.post(f"/j/{workshop.code}", data={"display_name": "Aline", "profile": "citizen"})
    page = client.get(f"/w/{workshop.code}").get_data(as_text=True)
    url = _script_url(page)
    assert url.startswith("/i18n/fr.js?v=")
    assert 'id="i18n"' not in page and "status.online" not in page  # not inline any more
    # Deferred, it runs before the page's modules (they run in document order after it).
    assert page.index(url) < page.index('<script type="module"')
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.mimetype == "text/javascript"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert _strings(answer.data)["status.online"] == "En ligne"


def test_english_pages_load_the_english_strings(
    client: FlaskClient, new_workshop: Callable[..., WorkshopRef]
) -> None:
    workshop = new_workshop()
    client.get("/lang/en")
    url = _script_url(client.get(f"/j/{workshop.code}").get_data(as_text=True))
    assert url.startswith("/i18n/en.js?v=")
    assert _strings(client.get(url).data)["status.online"] == "Connected"


def test_gzipped_when_accepted_and_revalidated_by_its_version(client: FlaskClient) -> None:
    plain = client.get("/i18n/fr.js")
    assert plain.headers["Cache-Control"] == "no-cache"  # no version: revalidate
    assert "Content-Encoding" not in plain.headers
    zipped = client.get("/i18n/fr.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2
    again = client.get(
        "/i18n/fr.js", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    # The plain representation's validator is not the gzipped one's.
    assert plain.headers["ETag"] != zipped.headers["ETag"]


def test_an_unknown_language_is_not_found(client: FlaskClient) -> None:
    assert client.get("/i18n/xx.js").status_code == 404
    assert client.get("/i18n/../fr.js").status_code == 404
