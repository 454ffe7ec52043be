"""nginx lets the largest import through (issue #11): the import routes'
``client_max_body_size`` is at least the app's ``IMPORT_MAX_BYTES``, every other route
keeps a small one, and docs/deploy.md and the README quote the same figures."""

from __future__ import annotations

import re

from scripts.stack import NGINX_TEMPLATE, ROOT
from workshop.config import Config
from workshop.exports.ideas_import import MAX_BYTES as CSV_MAX_BYTES
from workshop.views.common import DEFAULT_IMPORT_MAX_BYTES, FORM_OVERHEAD

UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
IMPORT_PATHS = ["/fabriques/fab-ardeche/import", "/api/v1/imports", "/f/w/12/ideas/import"]


def body_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kmg]?)", value.lower()).groups()  # type: ignore[union-attr]
    return int(number) * UNITS[unit]


def locations() -> dict[str, str]:
    """Each location's pattern and its block's text."""
    text = NGINX_TEMPLATE.read_text()
    return dict(re.findall(r"\n    location ([^{]+?) \{\n(.*?)\n    \}", text, re.DOTALL))


def test_the_import_routes_accept_the_largest_import() -> None:
    assert Config.IMPORT_MAX_BYTES == DEFAULT_IMPORT_MAX_BYTES == 32 * 1024 * 1024
    imports = [(pattern, block) for pattern, block in locations().items() if "import" in pattern]
    assert len(imports) == 1, locations().keys()
    pattern, block = imports[0]
    regex = re.compile(pattern.removeprefix("~ ").strip())
    assert all(regex.match(path) for path in IMPORT_PATHS)
    assert not regex.match("/fabriques/x/ideas") and not regex.match("/j/ABCD")
    limit = body_size(re.search(r"client_max_body_size (\w+);", block).group(1))  # type: ignore[union-attr]
    assert limit >= Config.IMPORT_MAX_BYTES
    assert limit >= CSV_MAX_BYTES + FORM_OVERHEAD
    server = re.search(r"\n    client_max_body_size (\w+);", NGINX_TEMPLATE.read_text())
    assert server and body_size(server.group(1)) <= 1024 * 1024  # the rest stays small


def test_the_docs_quote_the_same_figures() -> None:
    megabytes = Config.IMPORT_MAX_BYTES // (1024 * 1024)
    deploy = " ".join((ROOT / "docs" / "deploy.md").read_text().split())
    # Compared with the line breaks folded: re-wrapping a paragraph changes no figure.
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert "Imports have their own limit" in NGINX_TEMPLATE.read_text()
    assert f"client_max_body_size {megabytes}m;" in deploy
    assert f"except the import routes: {megabytes} MB" in deploy
    assert f"CSV of ideas is refused by the app past {CSV_MAX_BYTES // 1024**2} MB" in deploy
    assert f"limited to {megabytes} MB (`WORKSHOP_IMPORT_MAX_BYTES`" in readme
    assert f"| `WORKSHOP_IMPORT_MAX_BYTES` | `{Config.IMPORT_MAX_BYTES}` ({megabytes} MB)" in readme
    assert f"5,000 ideas and {CSV_MAX_BYTES // 1024**2} MB at most" in readme
