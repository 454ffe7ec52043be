"""Every message the interface shows has its French translation.

The interface is French by default (the brief): a message added in English without its
French line would appear in English to everybody. The messages are extracted the way
``make extract-messages`` does (babel.cfg, the same keywords) and looked up in the French
catalogue.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "_l": None,
    "lazy_gettext": None,
    "lazy_pgettext": ((1, "c"), 2),
    "plural_forms": (1, 2),
}


def extracted() -> set[tuple[str, str | None]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[tuple[str, str | None]] = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.add((msgid, context))
    return found


def test_every_message_has_its_french_translation() -> None:
    messages = extracted()
    # Both extractors ran: a template's message and a module's are there.
    assert ("Report for funders", None) in messages  # templates/fabrique/_nav.html
    assert ("Project of a cycle", None) in messages  # workshop/views/projects.py
    with (ROOT / "translations/fr/LC_MESSAGES/messages.po").open("rb") as po:
        catalogue = read_po(po)
    untranslated = []
    for msgid, context in sorted(messages, key=lambda m: (m[0], m[1] or "")):
        entry = catalogue.get(msgid, context=context)
        strings = entry.string if entry is not None else None
        if not strings or (isinstance(strings, tuple) and not all(strings)):
            untranslated.append(msgid)
    assert not untranslated, f"messages without French: {untranslated[:20]}"
